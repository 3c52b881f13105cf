import {
  finishReasonToChat,
  stopReasonFromChat,
  usageFromChat,
  usageToChat,
} from './openai-chat.usage';

describe(usageFromChat.name, () => {
  it('should take cached and written tokens out of prompt_tokens', () => {
    expect(
      usageFromChat({
        prompt_tokens: 1000,
        completion_tokens: 50,
        prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 300 },
        completion_tokens_details: { reasoning_tokens: 20 },
      }),
    ).toEqual({
      inputTokens: 100,
      outputTokens: 50,
      cacheWrite5mTokens: 300,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 600,
      reasoningTokens: 20,
    });
  });

  it('should read zeros instead of NaN when the usage is malformed', () => {
    expect(usageFromChat({ prompt_tokens: 'x', completion_tokens: -1 })).toMatchObject({
      inputTokens: 0,
      outputTokens: 0,
    });
    expect(usageFromChat(null).inputTokens).toBe(0);
  });

  it('should never produce negative fresh input when cached exceeds prompt', () => {
    expect(
      usageFromChat({ prompt_tokens: 5, prompt_tokens_details: { cached_tokens: 9 } }).inputTokens,
    ).toBe(0);
  });
});

describe(usageToChat.name, () => {
  it('should put every cache counter back into prompt_tokens', () => {
    expect(
      usageToChat({
        inputTokens: 10,
        outputTokens: 5,
        cacheWrite5mTokens: 100,
        cacheWrite1hTokens: 200,
        cacheReadTokens: 1000,
        reasoningTokens: 2,
      }),
    ).toEqual({
      prompt_tokens: 1310,
      completion_tokens: 5,
      total_tokens: 1315,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 300 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });
});

describe(stopReasonFromChat.name, () => {
  it.each([
    ['stop', false, 'end_turn'],
    ['length', false, 'max_tokens'],
    ['content_filter', false, 'refusal'],
    ['tool_calls', false, 'end_turn'],
    ['stop', true, 'tool_use'],
    [null, false, 'end_turn'],
  ] as const)('should map %s (tool calls: %s) to %s', (reason, hasCalls, expected) => {
    expect(stopReasonFromChat(reason, hasCalls)).toBe(expected);
  });
});

describe(finishReasonToChat.name, () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['context_window_exceeded', 'length'],
    ['refusal', 'content_filter'],
    ['tool_use', 'tool_calls'],
  ] as const)('should map %s to %s', (reason, expected) => {
    expect(finishReasonToChat(reason, false)).toBe(expected);
  });
});
