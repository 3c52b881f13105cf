import {
  parseSse,
  readFixtureJson,
  readFixtureText,
  relayStream,
  seededRandom,
  splitAt,
  testContext,
} from '../../../test/fixtures/protocols/anthropic-messages/fixture-support';
import { IrRequest } from '../ir/ir-request';
import { IrStreamEvent } from '../ir/ir-stream';
import { emptyUsage } from '../ir/ir-usage';
import { tagReasoningState } from '../ir/reasoning-state';
import { SseEvent } from '../sse/sse-parser';
import { anthropicMessagesAdapter } from './anthropic-messages.adapter';
import { decodeAnthropicRequest } from './anthropic-messages.decode-request';
import { AnthropicStreamDecoder } from './anthropic-messages.stream-decoder';
import { AnthropicStreamEncoder } from './anthropic-messages.stream-encoder';

const STREAMS = ['thinking-text-tool', 'redacted-server-tool', 'error-mid-stream'];

const request = (): IrRequest =>
  decodeAnthropicRequest(readFixtureJson('claude-code.request.json'), {});

function frames(text: string): { event?: string; data: unknown }[] {
  return parseSse([text]).map((event) => ({ event: event.event, data: JSON.parse(event.data) }));
}

function decodeAll(events: SseEvent[]): IrStreamEvent[] {
  const decoder = new AnthropicStreamDecoder(testContext());
  return [...events.flatMap((event) => decoder.push(event)), ...decoder.end()];
}

function encodeAll(events: IrStreamEvent[]): { encoder: AnthropicStreamEncoder; text: string } {
  const encoder = new AnthropicStreamEncoder(request(), testContext());
  return { encoder, text: events.map((event) => encoder.encode(event)).join('') };
}

function sse(type: string, body: Record<string, unknown> = {}): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...body }) };
}

describe(AnthropicStreamDecoder.name, () => {
  it.each(STREAMS)('should decode the %s upstream stream into the golden IR events', (name) => {
    const events = parseSse([readFixtureText(`${name}.upstream.sse`)]);
    expect(decodeAll(events)).toEqual(readFixtureJson(`${name}.ir.json`));
  });

  it('should read frames without event lines by their data type', () => {
    const text = readFixtureText('thinking-text-tool.upstream.sse').replace(/^event: .*\n/gm, '');
    expect(decodeAll(parseSse([text]))).toEqual(readFixtureJson('thinking-text-tool.ir.json'));
  });

  it('should renumber blocks after dropped server tool blocks', () => {
    const ir = readFixtureJson('redacted-server-tool.ir.json') as IrStreamEvent[];
    const starts = ir.filter((event) => event.type === 'block_start');
    expect(starts.map((event) => event.index)).toEqual([0, 1]);
  });

  it('should emit nothing more for a stream cut before message_stop', () => {
    const events = parseSse([readFixtureText('thinking-text-tool.upstream.sse')]).slice(0, 5);
    const ir = decodeAll(events);
    expect(ir.some((event) => event.type === 'finish' || event.type === 'block_stop')).toBe(false);
  });

  it('should map tool names back, close blocks left open and tolerate junk frames', () => {
    const context = testContext();
    context.toolNames.set('shell_exec', 'shell.exec');
    const decoder = new AnthropicStreamDecoder(context);
    const out = [
      sse('message_start', { message: { id: 'm', model: 'x', usage: { input_tokens: 3 } } }),
      { event: 'content_block_delta', data: 'not json' },
      sse('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'shell_exec', input: { a: 1 } },
      }),
      sse('content_block_delta', { index: 7, delta: { type: 'text_delta', text: 'orphan' } }),
      sse('message_delta', {
        delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' },
        usage: { output_tokens: 9 },
      }),
      sse('message_stop'),
      sse('message_start', { message: { id: 'again' } }),
    ].flatMap((event) => decoder.push(event));
    expect(out).toEqual([
      { type: 'start', id: 'm', model: 'x', usage: { ...emptyUsage(), inputTokens: 3 } },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 't', name: 'shell.exec' } },
      { type: 'tool_args_delta', index: 0, json: '{"a":1}' },
      { type: 'usage', usage: { ...emptyUsage(), inputTokens: 3, outputTokens: 9 } },
      { type: 'block_stop', index: 0 },
      {
        type: 'finish',
        stopReason: 'stop_sequence',
        stopSequence: 'END',
        usage: { ...emptyUsage(), inputTokens: 3, outputTokens: 9 },
      },
    ]);
  });

  it('should map a malformed error frame to api_error', () => {
    expect(decodeAll([sse('error', { error: 'boom' })])).toEqual([
      {
        type: 'error',
        status: 500,
        errorType: 'api_error',
        message: 'Malformed error event from upstream',
      },
    ]);
  });
});

describe(AnthropicStreamEncoder.name, () => {
  it.each(STREAMS)('should relay the %s stream into the golden client SSE', (name) => {
    const { client } = relayStream(
      anthropicMessagesAdapter,
      [readFixtureText(`${name}.upstream.sse`)],
      request(),
    );
    expect(client).toBe(readFixtureText(`${name}.client.sse`));
  });

  it('should give back the upstream frames (modulo ping, id and service tier) for native traffic', () => {
    const upstream = readFixtureText('thinking-text-tool.upstream.sse');
    const { client } = relayStream(anthropicMessagesAdapter, [upstream], request());
    const normalise = (text: string) =>
      frames(text)
        .filter((frame) => frame.event !== 'ping')
        .map((frame) => {
          const data = frame.data as { message?: { id?: string; usage?: Record<string, unknown> } };
          if (data.message) {
            delete data.message.id;
            delete data.message.usage?.service_tier;
          }
          return frame;
        });
    expect(normalise(client)).toEqual(normalise(upstream));
  });

  it.each(STREAMS)(
    'should produce identical output for the %s stream split at 60 seeded random byte offsets',
    (name) => {
      const text = readFixtureText(`${name}.upstream.sse`);
      const expected = relayStream(anthropicMessagesAdapter, [text], request());
      const bytes = new TextEncoder().encode(text);
      const random = seededRandom(0xa17 + name.length);
      for (let round = 0; round < 60; round++) {
        const cuts = Array.from({ length: 1 + Math.floor(random() * 10) }, () =>
          Math.floor(random() * (bytes.length + 1)),
        );
        expect(relayStream(anthropicMessagesAdapter, splitAt(bytes, cuts), request())).toEqual(
          expected,
        );
      }
    },
  );

  it('should write an event line on every frame', () => {
    const { client } = relayStream(
      anthropicMessagesAdapter,
      [readFixtureText('thinking-text-tool.upstream.sse')],
      request(),
    );
    for (const frame of frames(client)) {
      expect(frame.event).toBe((frame.data as { type: string }).type);
    }
  });

  it('should start lazily, close the open block and finish only once', () => {
    const { encoder, text } = encodeAll([
      { type: 'block_start', index: 4, block: { kind: 'text' } },
      { type: 'text_delta', index: 4, text: 'hi' },
      { type: 'usage', usage: { inputTokens: 10, cacheReadTokens: 20 } },
    ]);
    const tail = encoder.finish();
    expect(encoder.finish()).toBe('');
    expect(encoder.fail(500, 'api_error', 'late')).toBe('');
    const all = frames(text + tail);
    expect(all.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(all[1].data).toMatchObject({ index: 0 });
    expect(all[4].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 20,
        output_tokens: 0,
      },
    });
  });

  it('should finish with tool_use when a tool call was streamed without a finish event', () => {
    const { encoder, text } = encodeAll([
      { type: 'start', id: 'x', model: 'gpt-5' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_1', name: 'Read' } },
    ]);
    const last = frames(text + encoder.finish());
    expect(last[last.length - 2].data).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('should send nothing after fail and keep the error type', () => {
    const { encoder } = encodeAll([{ type: 'start', id: 'x', model: 'm' }]);
    const error = encoder.fail(500, 'overloaded_error', 'busy');
    expect(frames(error)).toEqual([
      {
        event: 'error',
        data: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
      },
    ]);
    expect(encoder.encode({ type: 'text_delta', index: 0, text: 'x' })).toBe('');
    expect(encoder.finish()).toBe('');
  });

  it('should carry cross-family state in signatures and before tool calls', () => {
    const openai = tagReasoningState('openai', 'enc');
    const gemini = tagReasoningState('gemini', 'sig');
    const { text } = encodeAll([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'reasoning' } },
      { type: 'reasoning_delta', index: 0, text: 'think' },
      { type: 'reasoning_state', index: 0, state: openai },
      // A new block closes the open one; late deltas for it are ignored.
      {
        type: 'block_start',
        index: 1,
        block: { kind: 'tool_call', id: 'c', name: 'R', providerState: gemini },
      },
      { type: 'reasoning_delta', index: 0, text: 'late' },
      { type: 'tool_args_delta', index: 1, json: '{}' },
      { type: 'block_stop', index: 1 },
      { type: 'block_start', index: 2, block: { kind: 'reasoning', redacted: true } },
      { type: 'reasoning_state', index: 2, state: tagReasoningState('anthropic', 'red') },
      { type: 'block_stop', index: 2 },
      { type: 'finish', stopReason: 'tool_use', usage: emptyUsage() },
    ]);
    const body = frames(text).map((frame) => frame.data);
    expect(body.slice(1, -2)).toEqual([
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'think' },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'signature_delta', signature: openai },
      },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'signature_delta', signature: gemini },
      },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'c', name: 'R', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '{}' },
      },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'redacted_thinking', data: 'red' },
      },
      { type: 'content_block_stop', index: 3 },
    ]);
  });

  it('should map an IR error event to the error frame', () => {
    const { encoder, text } = encodeAll([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'error', status: 429, errorType: 'rate_limit_error', message: 'slow' },
    ]);
    expect(frames(text).map((frame) => frame.event)).toEqual(['message_start', 'error']);
    expect(encoder.finish()).toBe('');
  });
});
