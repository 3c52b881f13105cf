import {
  expectGoldenJson,
  parseSseChunks,
  readFixture,
  seededRandom,
  splitBytes,
  testContext,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { IrStreamEvent } from '../ir/ir-stream';
import { SseEvent } from '../sse/sse-parser';
import { ResponsesStreamDecoder } from './openai-responses.stream-decoder';

const STREAMS = [
  'text',
  'reasoning-tool',
  'parallel-calls',
  'incomplete',
  'failed',
  'error-event',
  'done-only',
];
const SPLITS = 60;

function decode(events: readonly SseEvent[]): IrStreamEvent[] {
  const decoder = new ResponsesStreamDecoder(
    testContext({ 'mcp_fs_read-file': 'mcp.fs/read-file' }),
  );
  const out = events.flatMap((event) => decoder.push(event));
  return [...out, ...decoder.end()];
}

describe(ResponsesStreamDecoder.name, () => {
  it.each(STREAMS)('should decode the %s upstream stream into the golden IR events', (name) => {
    const events = parseSseChunks([readFixture(`upstream-stream.${name}.sse`)]);
    expectGoldenJson(`upstream-stream.${name}.ir.json`, decode(events));
  });

  it.each(STREAMS)(
    'should decode the %s stream identically when it arrives split at random byte offsets',
    (name) => {
      const bytes = Buffer.from(readFixture(`upstream-stream.${name}.sse`), 'utf8');
      const expected = decode(parseSseChunks([bytes]));
      const random = seededRandom(0x5eed + name.length);
      for (let run = 0; run < SPLITS; run++) {
        const chunks = splitBytes(bytes, random, 1 + Math.floor(random() * 40));
        expect(decode(parseSseChunks(chunks))).toEqual(expected);
      }
    },
  );

  it('should keep one block open at a time with matching start and stop events', () => {
    for (const name of STREAMS) {
      let open: number | null = null;
      for (const event of decode(parseSseChunks([readFixture(`upstream-stream.${name}.sse`)]))) {
        if (event.type === 'block_start') {
          expect(open).toBeNull();
          open = event.index;
        } else if (event.type === 'block_stop') {
          expect(open).toBe(event.index);
          open = null;
        } else if ('index' in event) {
          expect(event.index).toBe(open);
        }
      }
    }
  });

  it('should emit nothing more when a cut stream ends', () => {
    const decoder = new ResponsesStreamDecoder(testContext());
    const text = readFixture('upstream-stream.text.sse');
    const events = parseSseChunks([
      text.slice(0, text.indexOf('event: response.output_text.done')),
    ]);
    const out = events.flatMap((event) => decoder.push(event));
    expect(out.some((event) => event.type === 'finish')).toBe(false);
    expect(decoder.end()).toEqual([]);
  });

  it('should ignore frames that are not JSON objects and everything after the terminal event', () => {
    const decoder = new ResponsesStreamDecoder(testContext());
    expect(decoder.push({ data: '[DONE]' })).toEqual([]);
    expect(decoder.push({ data: '42' })).toEqual([]);
    const done = decoder.push({
      data: JSON.stringify({ type: 'response.completed', response: { id: 'r', model: 'm' } }),
    });
    expect(done.map((event) => event.type)).toEqual(['start', 'finish']);
    expect(decoder.push({ data: JSON.stringify({ type: 'error', message: 'late' }) })).toEqual([]);
  });
});
