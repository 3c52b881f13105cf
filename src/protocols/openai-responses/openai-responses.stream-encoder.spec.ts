import {
  expectGoldenText,
  parseSseChunks,
  readFixture,
  readJsonFixture,
  seededRandom,
  splitBytes,
  testContext,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { IrRequest } from '../ir/ir-request';
import { IrStreamEvent } from '../ir/ir-stream';
import { decodeResponsesRequest } from './openai-responses.request';
import { ResponsesStreamEncoder } from './openai-responses.stream-encoder';

interface EncoderCase {
  requestFixture: string;
  events: IrStreamEvent[];
  then?: 'finish' | { fail: { status: number; errorType: string; message: string } };
}

const CASES = [
  'text',
  'reasoning-namespace-tool',
  'parallel-calls',
  'custom-tool',
  'max-tokens',
  'cut-then-finish',
  'fail',
  'error-event',
];
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function requestOf(fixture: string): IrRequest {
  return decodeResponsesRequest(readJsonFixture(fixture), {});
}

function encodeCase(name: string): string {
  const input = readJsonFixture<EncoderCase>(`client-stream.${name}.events.json`);
  const encoder = new ResponsesStreamEncoder(requestOf(input.requestFixture), testContext());
  let sse = input.events.map((event) => encoder.encode(event)).join('');
  if (input.then === 'finish') sse += encoder.finish();
  else if (input.then !== undefined) {
    const { status, errorType, message } = input.then.fail;
    sse += encoder.fail(status, errorType, message);
  }
  // Whatever happened, finishing again must add nothing.
  return sse + encoder.finish() + encoder.fail(500, 'api_error', 'late');
}

function frames(sse: string): { event?: string; data: Record<string, unknown> }[] {
  return parseSseChunks([sse]).map((event) => ({
    event: event.event,
    data: JSON.parse(event.data) as Record<string, unknown>,
  }));
}

describe(ResponsesStreamEncoder.name, () => {
  it.each(CASES)('should encode the %s IR events into the golden client stream', (name) => {
    expectGoldenText(`client-stream.${name}.sse`, encodeCase(name));
  });

  it.each(CASES)(
    'should parse the %s client stream identically when split at random byte offsets',
    (name) => {
      const bytes = Buffer.from(encodeCase(name), 'utf8');
      const expected = parseSseChunks([bytes]);
      const random = seededRandom(0xc0de + name.length);
      for (let run = 0; run < 60; run++) {
        const chunks = splitBytes(bytes, random, 1 + Math.floor(random() * 40));
        expect(parseSseChunks(chunks)).toEqual(expected);
      }
    },
  );

  it.each(CASES)(
    'should number the %s frames in order, name each by its type and end with one terminal event',
    (name) => {
      const all = frames(encodeCase(name));
      all.forEach((frame, index) => {
        expect(frame.event).toBe(frame.data.type);
        expect(frame.data.sequence_number).toBe(index);
      });
      const terminals = all.filter((frame) => TERMINAL.has(frame.event ?? ''));
      expect(terminals).toHaveLength(1);
      expect(all[all.length - 1]).toBe(terminals[0]);
      expect(all[0]?.event).toBe('response.created');
    },
  );

  it('should report every output item as done, in order, inside response.completed', () => {
    const all = frames(encodeCase('reasoning-namespace-tool'));
    const doneItems = all
      .filter((frame) => frame.event === 'response.output_item.done')
      .map((frame) => frame.data.item);
    const completed = all[all.length - 1]?.data.response as Record<string, unknown>;
    expect(completed.output).toEqual(doneItems);
    expect(completed.usage).toEqual({
      input_tokens: 40,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 70,
    });
    expect(typeof completed.id).toBe('string');
  });

  it('should close open items and complete the response when finish() is called mid-block', () => {
    const all = frames(encodeCase('cut-then-finish'));
    const types = all.map((frame) => frame.event);
    expect(types.slice(-3)).toEqual([
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it('should give Codex the context_length_exceeded code for a prompt-too-long error', () => {
    const failed = frames(encodeCase('error-event')).pop();
    expect(failed?.data.response).toMatchObject({
      status: 'failed',
      error: { code: 'context_length_exceeded' },
    });
  });

  it('should start the response lazily when the first event is not start', () => {
    const encoder = new ResponsesStreamEncoder(
      requestOf('client-request.parallel-calls.json'),
      testContext(),
    );
    const sse = encoder.encode({ type: 'block_start', index: 0, block: { kind: 'text' } });
    expect(frames(sse).map((frame) => frame.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(readFixture('client-stream.text.sse')).toContain('event: response.completed');
  });
});
