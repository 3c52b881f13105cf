import {
  readFixtureJson,
  testContext,
} from '../../../test/fixtures/protocols/anthropic-messages/fixture-support';
import { IrRequest } from '../ir/ir-request';
import { IrResponse, IrStopReason } from '../ir/ir-response';
import { emptyUsage } from '../ir/ir-usage';
import { tagReasoningState } from '../ir/reasoning-state';
import { decodeAnthropicRequest } from './anthropic-messages.decode-request';
import { decodeAnthropicResponse, encodeAnthropicResponse } from './anthropic-messages.response';

const request = (): IrRequest =>
  decodeAnthropicRequest(readFixtureJson('claude-code.request.json'), {});

function response(extra: Partial<IrResponse>): IrResponse {
  return {
    id: 'up_1',
    model: 'gpt-5',
    content: [],
    stopReason: 'end_turn',
    usage: emptyUsage(),
    ...extra,
  };
}

describe(decodeAnthropicResponse.name, () => {
  it('should decode the upstream message into the golden IR, dropping server tool blocks', () => {
    const ir = decodeAnthropicResponse(readFixtureJson('message.upstream.json'), testContext());
    expect(ir).toEqual(readFixtureJson('message.ir.json'));
  });

  it('should give tool calls back their client names', () => {
    const context = testContext();
    context.toolNames.set('shell_exec', 'shell.exec');
    const ir = decodeAnthropicResponse(
      {
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'shell_exec', input: {} }],
        stop_reason: 'tool_use',
      },
      context,
    );
    expect(ir.content).toEqual([
      { type: 'tool_call', id: 'toolu_1', name: 'shell.exec', input: {} },
    ]);
  });

  it.each([
    ['end_turn', 'end_turn'],
    ['max_tokens', 'max_tokens'],
    ['stop_sequence', 'stop_sequence'],
    ['tool_use', 'tool_use'],
    ['pause_turn', 'pause_turn'],
    ['refusal', 'refusal'],
    ['model_context_window_exceeded', 'context_window_exceeded'],
    [null, 'end_turn'],
    ['something_new', 'end_turn'],
  ])('should map stop_reason %s to %s', (wire, expected) => {
    expect(decodeAnthropicResponse({ stop_reason: wire }, testContext()).stopReason).toBe(expected);
  });

  it('should keep the stop sequence and skip malformed blocks', () => {
    const ir = decodeAnthropicResponse(
      {
        content: [{ type: 'text', text: 5 }, { type: 'text', text: 'ok' }, 'junk'],
        stop_reason: 'stop_sequence',
        stop_sequence: 'END',
      },
      testContext(),
    );
    expect(ir.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(ir.stopSequence).toBe('END');
    expect(ir.usage).toEqual(emptyUsage());
  });

  it('should throw on a body that is not a message object', () => {
    expect(() => decodeAnthropicResponse('nope', testContext())).toThrow(
      'not an Anthropic message',
    );
  });
});

describe(encodeAnthropicResponse.name, () => {
  it('should encode the IR into the golden client message', () => {
    const context = testContext();
    const ir = decodeAnthropicResponse(readFixtureJson('message.upstream.json'), context);
    expect(encodeAnthropicResponse(ir, request(), context)).toEqual(
      readFixtureJson('message.client.json'),
    );
  });

  it.each<[IrStopReason, string]>([
    ['context_window_exceeded', 'model_context_window_exceeded'],
    ['max_tokens', 'max_tokens'],
    ['tool_use', 'tool_use'],
  ])('should map the IR stop reason %s to %s', (reason, wire) => {
    const message = encodeAnthropicResponse(
      response({ stopReason: reason }),
      request(),
      testContext(),
    );
    expect(message.stop_reason).toBe(wire);
    expect(message.stop_sequence).toBeNull();
  });

  it("should write other families' reasoning state as envelopes and carry tool-call state", () => {
    const openai = tagReasoningState('openai', 'enc');
    const gemini = tagReasoningState('gemini', 'thought-sig');
    const message = encodeAnthropicResponse(
      response({
        content: [
          { type: 'reasoning', text: 'summary', providerState: openai },
          { type: 'reasoning', text: 'no state' },
          { type: 'reasoning', text: '', redacted: true },
          {
            type: 'tool_call',
            id: 'call_1',
            name: 'Read',
            input: 'not an object',
            providerState: gemini,
          },
        ],
      }),
      request(),
      testContext(),
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'summary', signature: openai },
      { type: 'thinking', thinking: 'no state', signature: '' },
      { type: 'thinking', thinking: '', signature: gemini },
      { type: 'tool_use', id: 'call_1', name: 'Read', input: {} },
    ]);
  });

  it('should report usage in Anthropic fields with the cache TTL split', () => {
    const message = encodeAnthropicResponse(
      response({
        usage: {
          inputTokens: 3,
          outputTokens: 4,
          cacheWrite5mTokens: 5,
          cacheWrite1hTokens: 6,
          cacheReadTokens: 7,
          reasoningTokens: 1,
        },
      }),
      request(),
      testContext(),
    );
    expect(message).toMatchObject({
      id: 'msg_test_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      usage: {
        input_tokens: 3,
        output_tokens: 4,
        cache_creation_input_tokens: 11,
        cache_read_input_tokens: 7,
        cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 6 },
      },
    });
  });
});
