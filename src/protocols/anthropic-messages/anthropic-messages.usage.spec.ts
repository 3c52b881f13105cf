import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseEvent, SseParser } from '../sse/sse-parser';
import { formatSseEvent } from '../sse/sse-writer';
import {
  AnthropicStreamTap,
  anthropicMessageSummary,
  anthropicMessageSummaryOfBytes,
  usageFromAnthropic,
} from './anthropic-messages.usage';
import { JsonScanError } from '../common/json-scan';

const FIXTURES = join(__dirname, '../../../test/fixtures/anthropic');

function fixtureEvents(name: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(readFileSync(join(FIXTURES, name))), ...parser.end()];
}

function frame(type: string, body: Record<string, unknown>): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...body }) };
}

function tapOf(events: SseEvent[]): AnthropicStreamTap {
  const tap = new AnthropicStreamTap();
  for (const event of events) tap.observe(event);
  return tap;
}

describe(usageFromAnthropic.name, () => {
  it('should map every Anthropic counter when all are present', () => {
    expect(
      usageFromAnthropic({
        input_tokens: 10,
        output_tokens: 200,
        cache_read_input_tokens: 5000,
        cache_creation_input_tokens: 700,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 600 },
        output_tokens_details: { thinking_tokens: 50 },
      }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 200,
      cacheWrite5mTokens: 100,
      cacheWrite1hTokens: 600,
      cacheReadTokens: 5000,
      reasoningTokens: 50,
    });
  });

  it('should count all cache creation as 5m when the TTL split is absent', () => {
    const usage = usageFromAnthropic({ cache_creation_input_tokens: 700 });
    expect(usage.cacheWrite5mTokens).toBe(700);
    expect(usage.cacheWrite1hTokens).toBe(0);
  });

  it('should let the split win when it disagrees with the total', () => {
    const usage = usageFromAnthropic({
      cache_creation_input_tokens: 700,
      cache_creation: { ephemeral_1h_input_tokens: 650 },
    });
    expect(usage.cacheWrite5mTokens).toBe(0);
    expect(usage.cacheWrite1hTokens).toBe(650);
  });

  it('should keep the total as 5m when the split is all zero but the total is not', () => {
    const usage = usageFromAnthropic({
      cache_creation_input_tokens: 700,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    });
    expect(usage.cacheWrite5mTokens).toBe(700);
    expect(usage.cacheWrite1hTokens).toBe(0);
  });

  it('should treat a split of nulls as absent', () => {
    const usage = usageFromAnthropic({
      cache_creation_input_tokens: 40,
      cache_creation: { ephemeral_5m_input_tokens: null, ephemeral_1h_input_tokens: null },
    });
    expect(usage.cacheWrite5mTokens).toBe(40);
  });

  it.each([
    ['null', null],
    ['a string', 'usage'],
    ['an array', [1, 2]],
    ['undefined', undefined],
  ])('should return zeros when usage is %s', (_name, value) => {
    expect(usageFromAnthropic(value)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('should turn invalid numbers into 0 and never produce NaN', () => {
    const usage = usageFromAnthropic({
      input_tokens: '12',
      output_tokens: Number.NaN,
      cache_read_input_tokens: -5,
      cache_creation_input_tokens: Number.POSITIVE_INFINITY,
      output_tokens_details: { thinking_tokens: null },
    });
    expect(Object.values(usage)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('should floor fractional counts', () => {
    expect(usageFromAnthropic({ input_tokens: 3.9 }).inputTokens).toBe(3);
  });
});

describe(anthropicMessageSummary.name, () => {
  it('should read usage, stop reason and model from a non-streaming response', () => {
    const body: unknown = JSON.parse(readFileSync(join(FIXTURES, 'message-tool-use.json'), 'utf8'));
    expect(anthropicMessageSummary(body)).toEqual({
      usage: {
        inputTokens: 9,
        outputTokens: 77,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 300,
        cacheReadTokens: 18000,
        reasoningTokens: 12,
      },
      stopReason: 'tool_use',
      model: 'claude-opus-4-8',
    });
  });

  it('should return nulls and zero usage when the body is not an object', () => {
    const summary = anthropicMessageSummary('oops');
    expect(summary.stopReason).toBeNull();
    expect(summary.model).toBeNull();
    expect(summary.usage.outputTokens).toBe(0);
  });

  it('should return null stop reason when stop_reason is null', () => {
    expect(anthropicMessageSummary({ model: 'm', stop_reason: null }).stopReason).toBeNull();
  });
});

describe(anthropicMessageSummaryOfBytes.name, () => {
  const bodies: Record<string, string> = {
    fixture: readFileSync(join(FIXTURES, 'message-tool-use.json'), 'utf8'),
    'usage before content, spaced out': `{ "usage" : {"input_tokens": 3, "output_tokens": 4} ,
      "content": [{"type": "text", "text": "a \\"quoted\\" usage: {}"}], "stop_reason": "end_turn" }`,
    'duplicated keys, the last one counts': JSON.stringify({ usage: { output_tokens: 1 } }).replace(
      '}}',
      '},"usage":{"output_tokens":7},"model":"a","model":"b"}',
    ),
    'escaped key and value': '{"stop\\u005freason":"max\\u005ftokens","usage":{"input_tokens":2}}',
    'nulls and wrong types': '{"usage":null,"stop_reason":null,"model":5}',
    'usage not an object': '{"usage":[1,2],"stop_reason":"end_turn"}',
    'no usage at all': '{"type":"message","content":[]}',
    'a document that is not an object': '["usage", {"output_tokens": 1}]',
    'a string document': '"oops"',
  };

  // Scanned whatever their size (small answers are parsed, where JSON.parse is faster).
  const scan = (text: string) => anthropicMessageSummaryOfBytes(Buffer.from(text), 0);

  it.each(Object.entries(bodies))('should read what JSON.parse would: %s', (_, text) => {
    const expected = anthropicMessageSummary(JSON.parse(text));
    expect(scan(text)).toEqual(expected);
    expect(anthropicMessageSummaryOfBytes(Buffer.from(text))).toEqual(expected);
  });

  it('should scan a large answer and still read only its top level', () => {
    const text = JSON.stringify({
      content: [{ type: 'text', text: '{"usage":{"output_tokens":1000}}'.repeat(100) }],
      usage: { output_tokens: 8 },
      stop_reason: 'end_turn',
    });
    expect(text.length).toBeGreaterThan(2048);
    expect(anthropicMessageSummaryOfBytes(Buffer.from(text))).toEqual(
      anthropicMessageSummary(JSON.parse(text)),
    );
    expect(anthropicMessageSummaryOfBytes(Buffer.from(text)).usage.outputTokens).toBe(8);
    expect(() => anthropicMessageSummaryOfBytes(Buffer.from(text.slice(0, -1)))).toThrow(
      JsonScanError,
    );
  });

  it('should read the last usage of duplicates and decode escapes', () => {
    const text = bodies['duplicated keys, the last one counts'];
    expect(scan(text)).toMatchObject({
      usage: { outputTokens: 7 },
      model: 'b',
    });
    expect(scan(bodies['escaped key and value']).stopReason).toBe('max_tokens');
  });

  it.each(['', '{"usage":{"output_tokens":1}', '{"usage":{}} trailing', '{"a":tru}'])(
    'should throw on bytes that are not one JSON value: %j',
    (text) => {
      expect(() => scan(text)).toThrow(JsonScanError);
      expect(() => anthropicMessageSummaryOfBytes(Buffer.from(text))).toThrow(SyntaxError);
    },
  );
});

describe(AnthropicStreamTap.name, () => {
  describe('on a stream with thinking, text and tool_use blocks', () => {
    const tap = tapOf(fixtureEvents('thinking-text-tool.sse'));

    it('should report the final cumulative usage with the cache TTL split', () => {
      expect(tap.usage).toEqual({
        inputTokens: 21,
        outputTokens: 143,
        cacheWrite5mTokens: 512,
        cacheWrite1hTokens: 1024,
        cacheReadTokens: 24890,
        reasoningTokens: 38,
      });
      expect(tap.sawFinalUsage).toBe(true);
    });

    it('should report stop reason, model and message boundaries', () => {
      expect(tap.stopReason).toBe('tool_use');
      expect(tap.model).toBe('claude-sonnet-4-5');
      expect(tap.sawMessageStart).toBe(true);
      expect(tap.sawMessageStop).toBe(true);
      expect(tap.firstContentSeen).toBe(true);
      expect(tap.error).toBeNull();
      expect(tap.malformedFrames).toBe(0);
    });
  });

  it('should report message_start usage before message_delta arrives', () => {
    const tap = tapOf(fixtureEvents('thinking-text-tool.sse').slice(0, 1));
    expect(tap.usage.inputTokens).toBe(21);
    expect(tap.usage.outputTokens).toBe(1);
    expect(tap.sawFinalUsage).toBe(false);
    expect(tap.firstContentSeen).toBe(false);
  });

  it('should mark content as seen at the first content_block_start', () => {
    const events = fixtureEvents('thinking-text-tool.sse');
    const tap = new AnthropicStreamTap();
    tap.observe(events[0]);
    expect(tap.firstContentSeen).toBe(false);
    tap.observe(events[1]);
    expect(tap.firstContentSeen).toBe(true);
  });

  it('should let non-null message_delta usage override message_start values', () => {
    const tap = tapOf([
      frame('message_start', {
        message: {
          model: 'm',
          usage: { input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
        },
      }),
      frame('message_delta', {
        delta: { stop_reason: 'end_turn' },
        usage: {
          input_tokens: 300,
          cache_read_input_tokens: 9000,
          cache_creation_input_tokens: null,
          output_tokens: 42,
        },
      }),
    ]);
    expect(tap.usage).toEqual({
      inputTokens: 300,
      outputTokens: 42,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 9000,
      reasoningTokens: 0,
    });
    expect(tap.stopReason).toBe('end_turn');
  });

  it('should drop a stale TTL split when message_delta changes the cache write total alone', () => {
    const tap = tapOf([
      frame('message_start', {
        message: {
          usage: {
            cache_creation_input_tokens: 100,
            cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 },
          },
        },
      }),
      frame('message_delta', { usage: { cache_creation_input_tokens: 250, output_tokens: 3 } }),
    ]);
    expect(tap.usage.cacheWrite5mTokens).toBe(250);
    expect(tap.usage.cacheWrite1hTokens).toBe(0);
  });

  it('should use the TTL split carried by message_delta when present', () => {
    const tap = tapOf([
      frame('message_start', { message: { usage: { cache_creation_input_tokens: 0 } } }),
      frame('message_delta', {
        usage: {
          cache_creation_input_tokens: 250,
          cache_creation: { ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 200 },
        },
      }),
    ]);
    expect(tap.usage.cacheWrite5mTokens).toBe(50);
    expect(tap.usage.cacheWrite1hTokens).toBe(200);
  });

  it('should count a malformed frame and keep going when its JSON is broken', () => {
    const events = fixtureEvents('thinking-text-tool.sse');
    const broken = events.map((event) =>
      event.event === 'message_start' ? { ...event, data: event.data.slice(0, 40) } : event,
    );
    const tap = new AnthropicStreamTap();
    expect(() => broken.forEach((event) => tap.observe(event))).not.toThrow();
    expect(tap.malformedFrames).toBe(1);
    expect(tap.sawMessageStart).toBe(true);
    expect(tap.model).toBeNull();
    // message_delta still delivers the cumulative numbers.
    expect(tap.usage.outputTokens).toBe(143);
    expect(tap.usage.inputTokens).toBe(21);
    expect(tap.stopReason).toBe('tool_use');
  });

  it('should count a frame whose JSON is not an object as malformed', () => {
    const tap = tapOf([{ event: 'message_delta', data: '[1,2]' }]);
    expect(tap.malformedFrames).toBe(1);
    expect(tap.sawFinalUsage).toBe(false);
  });

  it('should not parse content deltas even when their data is not JSON', () => {
    const tap = tapOf([
      { event: 'content_block_delta', data: 'not json' },
      { event: 'ping', data: 'not json' },
      { event: 'content_block_stop', data: 'not json' },
    ]);
    expect(tap.malformedFrames).toBe(0);
    expect(tap.firstContentSeen).toBe(true);
  });

  it('should record type and message of a mid-stream error frame', () => {
    const tap = tapOf([
      frame('message_start', { message: { model: 'm', usage: { input_tokens: 5 } } }),
      {
        event: 'error',
        data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}',
      },
    ]);
    expect(tap.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(tap.sawMessageStop).toBe(false);
    expect(tap.firstContentSeen).toBe(false);
  });

  it('should still record an error when the error frame is malformed', () => {
    const tap = tapOf([{ event: 'error', data: '{"type":"error",' }]);
    expect(tap.error).toEqual({ type: 'api_error', message: expect.any(String) });
    expect(tap.malformedFrames).toBe(1);
  });

  it('should classify frames by their data type when the event line is missing', () => {
    const events = fixtureEvents('thinking-text-tool.sse').map(({ data }) => ({ data }));
    const tap = tapOf(events);
    expect(tap.usage.outputTokens).toBe(143);
    expect(tap.sawMessageStop).toBe(true);
    expect(tap.firstContentSeen).toBe(true);
  });

  it('should trust the event name over the data type when both are present', () => {
    const tap = tapOf([{ event: 'ping', data: '{"type":"message_stop"}' }]);
    expect(tap.sawMessageStop).toBe(false);
  });

  it('should return a usage copy that callers cannot use to mutate the tap', () => {
    const tap = tapOf([frame('message_delta', { usage: { output_tokens: 7 } })]);
    tap.usage.outputTokens = 999;
    expect(tap.usage.outputTokens).toBe(7);
  });

  it('should accept frames written by formatSseEvent and parsed back', () => {
    const parser = new SseParser();
    const wire =
      formatSseEvent('message_start', '{"type":"message_start","message":{"model":"x"}}') +
      formatSseEvent('message_stop', '{"type":"message_stop"}');
    const tap = tapOf(parser.push(wire));
    expect(tap.model).toBe('x');
    expect(tap.sawMessageStop).toBe(true);
  });
});
