import { IrStreamEvent } from '../ir/ir-stream';
import { emptyUsage } from '../ir/ir-usage';
import { ConversionContext } from '../protocol-adapter';
import { SseParser } from '../sse/sse-parser';
import { decodeChatRequest } from './openai-chat.request';
import { ChatStreamDecoder } from './openai-chat.stream-decoder';
import { ChatStreamEncoder } from './openai-chat.stream-encoder';

function testContext(): ConversionContext {
  let counter = 0;
  return {
    now: () => 1_800_000_000_000,
    newId: (prefix) => `${prefix}test${++counter}`,
    toolNames: new Map(),
    dropped: () => undefined,
  };
}

function chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return JSON.stringify({
    id: 'chatcmpl-x',
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
}

function decode(frames: string[], end = true): IrStreamEvent[] {
  const decoder = new ChatStreamDecoder(testContext());
  const events = frames.flatMap((data) => decoder.push({ data }));
  return end ? [...events, ...decoder.end()] : events;
}

describe(ChatStreamDecoder.name, () => {
  it('should emit nothing more at end when the stream was cut before finish_reason', () => {
    const events = decode([chunk({ role: 'assistant', content: 'Hi' })]);
    expect(events.map((e) => e.type)).toEqual(['start', 'block_start', 'text_delta']);
  });

  it('should finish at end with the usage seen when finish_reason came but [DONE] did not', () => {
    const events = decode([chunk({ content: 'Hi' }), chunk({}, 'stop')]);
    expect(events[events.length - 1]).toEqual({
      type: 'finish',
      stopReason: 'end_turn',
      usage: emptyUsage(),
    });
  });

  it('should close the text block before a tool call starts and call it tool_use', () => {
    const events = decode([
      chunk({ content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{}' } }] }),
      chunk({}, 'stop'),
      '[DONE]',
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'block_start',
      'text_delta',
      'block_stop',
      'block_start',
      'tool_args_delta',
      'block_stop',
      'finish',
    ]);
    expect(events[events.length - 1]).toMatchObject({ stopReason: 'tool_use' });
  });

  it('should tell calls apart by id when a provider numbers every call 0', () => {
    const events = decode([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"n":1}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'b', function: { name: 'g', arguments: '{"n":2}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ]);
    expect(events.filter((e) => e.type === 'block_start')).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'a', name: 'f' } },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'b', name: 'g' } },
    ]);
    expect(events.filter((e) => e.type === 'tool_args_delta').map((e) => e.index)).toEqual([0, 1]);
  });

  it('should invent a call id and map the tool name back when the upstream gives none', () => {
    const context = testContext();
    context.toolNames.set('mcp_fs_read', 'mcp.fs/read');
    const decoder = new ChatStreamDecoder(context);
    const events = decoder.push({
      data: chunk({ tool_calls: [{ index: 0, function: { name: 'mcp_fs_read', arguments: '' } }] }),
    });
    expect(events[1]).toEqual({
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 'call_test1', name: 'mcp.fs/read' },
    });
  });

  it('should report an error frame with its status and ignore everything after it', () => {
    const decoder = new ChatStreamDecoder(testContext());
    const events = decoder.push({
      data: JSON.stringify({
        error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' },
      }),
    });
    expect(events).toEqual([
      { type: 'error', status: 429, errorType: 'rate_limit_error', message: 'slow down' },
    ]);
    expect(decoder.push({ data: chunk({ content: 'late' }) })).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });

  it('should ignore frames that are not JSON objects', () => {
    expect(decode([': ping', '"text"', 'not json'], false)).toEqual([]);
  });

  it('should call a streamed refusal a refusal', () => {
    const events = decode([chunk({ refusal: 'No.' }), chunk({}, 'stop'), '[DONE]']);
    expect(events[events.length - 1]).toMatchObject({ stopReason: 'refusal' });
  });
});

describe(ChatStreamEncoder.name, () => {
  const request = decodeChatRequest({ model: 'client-model', messages: [], stream: true }, {});

  it('should omit the usage chunk when the client did not ask for it', () => {
    const encoder = new ChatStreamEncoder(request, testContext());
    const text =
      encoder.encode({ type: 'start', id: 'x', model: '' }) +
      encoder.encode({ type: 'finish', stopReason: 'end_turn', usage: emptyUsage() });
    const frames = new SseParser().push(text);
    expect(frames.map((f) => f.data.includes('"usage"'))).toEqual([false, false, false]);
    expect(JSON.parse(frames[0].data)).toMatchObject({
      model: 'client-model',
      id: 'chatcmpl-test1',
    });
  });

  it('should write the closing frames once when finish is called without a finish event', () => {
    const encoder = new ChatStreamEncoder(request, testContext());
    encoder.encode({ type: 'start', id: 'x', model: 'm' });
    encoder.encode({
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 'c', name: 'f' },
    });
    const closing = encoder.finish();
    expect(closing).toContain('"finish_reason":"tool_calls"');
    expect(closing.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(encoder.finish()).toBe('');
    expect(encoder.fail(500, 'api_error', 'late')).toBe('');
    expect(encoder.encode({ type: 'text_delta', index: 1, text: 'late' })).toBe('');
  });

  it('should write the error frame then [DONE] when it fails before anything was sent', () => {
    const encoder = new ChatStreamEncoder(request, testContext());
    expect(encoder.fail(429, 'rate_limit_error', 'Slow down')).toBe(
      'data: {"error":{"message":"Slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n' +
        'data: [DONE]\n\n',
    );
    expect(encoder.finish()).toBe('');
  });

  it('should number tool calls 0, 1… whatever their IR block indexes', () => {
    const encoder = new ChatStreamEncoder(request, testContext());
    const text = [
      encoder.encode({
        type: 'block_start',
        index: 3,
        block: { kind: 'tool_call', id: 'a', name: 'f' },
      }),
      encoder.encode({ type: 'tool_args_delta', index: 3, json: '{}' }),
      encoder.encode({
        type: 'block_start',
        index: 5,
        block: { kind: 'tool_call', id: 'b', name: 'g' },
      }),
      encoder.encode({ type: 'tool_args_delta', index: 5, json: '{}' }),
    ].join('');
    const indexes = new SseParser()
      .push(text)
      .slice(1)
      .map((f): unknown => JSON.parse(f.data).choices[0].delta.tool_calls[0].index);
    expect(indexes).toEqual([0, 0, 1, 1]);
  });
});
