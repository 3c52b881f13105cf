import {
  expectGolden,
  fixtureNames,
  parseSse,
  randomSplit,
  readJsonFixture,
  seededRandom,
  testContext,
} from '../../../test/fixtures/protocols/gemini/golden';
import { IrRequest } from '../ir/ir-request';
import { IrStreamEvent } from '../ir/ir-stream';
import { GeminiStreamDecoder } from './gemini.stream-decoder';
import { GeminiStreamEncoder } from './gemini.stream-encoder';

const FOLDER = 'ir-streams';
const SPLITS = 60;

interface StreamFixture {
  request: IrRequest;
  events: IrStreamEvent[];
}

function encodeAll({ request, events }: StreamFixture): string {
  const encoder = new GeminiStreamEncoder(request, testContext());
  return (
    events.map((event) => encoder.encode(event)).join('') + encoder.finish() + encoder.finish()
  );
}

function fixture(name: string): StreamFixture {
  return readJsonFixture<StreamFixture>(FOLDER, `${name}.json`);
}

const REQUEST: IrRequest = {
  model: 'gemini-2.5-pro',
  system: [],
  messages: [],
  tools: [],
  stream: true,
};

describe(GeminiStreamEncoder.name, () => {
  const names = fixtureNames(FOLDER, '.json', '.client.json');

  it.each(names)('should encode the %s IR events to the golden client SSE', (name) => {
    expectGolden(FOLDER, `${name}.client.sse`, encodeAll(fixture(name)));
  });

  it.each(names)(
    `should give the same %s chunks to a client reading at ${SPLITS} random byte offsets`,
    (name) => {
      const bytes = new TextEncoder().encode(encodeAll(fixture(name)));
      const whole = parseSse([bytes]);
      expect(whole.length).toBeGreaterThan(0);
      for (const event of whole) expect(() => JSON.parse(event.data) as unknown).not.toThrow();
      const random = seededRandom(0x9e3 + name.length);
      for (let i = 0; i < SPLITS; i++) expect(parseSse(randomSplit(bytes, random))).toEqual(whole);
    },
  );

  it.each(names)('should end every %s frame with a blank line', (name) => {
    const sse = encodeAll(fixture(name));
    expect(sse.endsWith('\n\n')).toBe(true);
    for (const frame of sse.split('\n\n').filter((f) => f.length > 0)) {
      expect(frame.startsWith('data: ')).toBe(true);
    }
  });

  it('should give back the same content when its output is decoded again', () => {
    const { request, events } = fixture('anthropic-thinking-tool');
    const decoder = new GeminiStreamDecoder(testContext());
    const decoded = parseSse([encodeAll({ request, events })]).flatMap((e) => decoder.push(e));
    const kinds = decoded.flatMap((e) => (e.type === 'block_start' ? [e.block.kind] : []));
    // The signature rides on the text part; the decoder puts it back on the open reasoning block.
    expect(kinds).toEqual(['reasoning', 'text', 'tool_call']);
    expect(decoded).toContainEqual({
      type: 'reasoning_state',
      index: 0,
      state: 'cch1.anthropic.Y2xhdWRlLXNpZw',
    });
    expect(decoded).toContainEqual({
      type: 'block_start',
      index: 2,
      block: { kind: 'tool_call', id: 'toolu_1', name: 'read_file' },
    });
    expect(decoded[decoded.length - 1]).toMatchObject({
      type: 'finish',
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 50, reasoningTokens: 12 },
    });
  });

  it('should write nothing after fail() and fail only once', () => {
    const encoder = new GeminiStreamEncoder(REQUEST, testContext());
    expect(encoder.fail(429, 'rate_limit_error', 'slow down')).toBe(
      'data: {"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}\n\n',
    );
    expect(encoder.fail(500, 'api_error', 'again')).toBe('');
    expect(encoder.encode({ type: 'text_delta', index: 0, text: 'x' })).toBe('');
    expect(encoder.finish()).toBe('');
  });

  it('should make up a response id when the stream has no start event', () => {
    const encoder = new GeminiStreamEncoder(REQUEST, testContext());
    const frame = encoder.encode({ type: 'text_delta', index: 0, text: 'hi' });
    expect(JSON.parse(frame.slice('data: '.length))).toMatchObject({
      responseId: 'resp_test0',
      modelVersion: 'gemini-2.5-pro',
    });
  });

  it('should send empty arguments when the tool arguments are not JSON', () => {
    const context = testContext();
    const encoder = new GeminiStreamEncoder(REQUEST, context);
    encoder.encode({
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 't', name: 'f' },
    });
    encoder.encode({ type: 'tool_args_delta', index: 0, json: '{"a":' });
    const frame = encoder.encode({ type: 'block_stop', index: 0 });
    expect(JSON.parse(frame.slice('data: '.length)).candidates[0].content.parts).toEqual([
      { functionCall: { id: 't', name: 'f', args: {} } },
    ]);
    expect(context.droppedItems).toEqual(['unparseable tool call arguments']);
  });
});
