import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expectGolden,
  fixtureNames,
  GEMINI_FIXTURES,
  parseSse,
  randomSplit,
  seededRandom,
  testContext,
} from '../../../test/fixtures/protocols/gemini/golden';
import { IrStreamEvent } from '../ir/ir-stream';
import { GeminiStreamDecoder } from './gemini.stream-decoder';

const FOLDER = 'upstream-streams';
const SPLITS = 60;

function decodeChunks(chunks: (Uint8Array | string)[], toolNames: [string, string][] = []) {
  const decoder = new GeminiStreamDecoder(testContext(toolNames));
  const events: IrStreamEvent[] = [];
  for (const sse of parseSse(chunks)) events.push(...decoder.push(sse));
  events.push(...decoder.end());
  return events;
}

function decodeText(text: string): IrStreamEvent[] {
  return decodeChunks([text]);
}

function frame(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

describe(GeminiStreamDecoder.name, () => {
  const names = fixtureNames(FOLDER, '.sse', '.events.json');

  it.each(names)('should decode the %s upstream stream to the golden IR events', (name) => {
    const bytes = readFileSync(join(GEMINI_FIXTURES, FOLDER, `${name}.sse`));
    expectGolden(FOLDER, `${name}.events.json`, decodeChunks([bytes]));
  });

  it.each(names)(
    `should decode the %s stream identically when split at ${SPLITS} random byte offsets`,
    (name) => {
      const bytes = new Uint8Array(readFileSync(join(GEMINI_FIXTURES, FOLDER, `${name}.sse`)));
      const whole = decodeChunks([bytes]);
      const random = seededRandom(0x6e6d + name.length);
      for (let i = 0; i < SPLITS; i++) {
        expect(decodeChunks(randomSplit(bytes, random))).toEqual(whole);
      }
    },
  );

  it('should keep one block open at a time and number blocks in order', () => {
    const bytes = readFileSync(join(GEMINI_FIXTURES, FOLDER, 'parallel-calls.sse'));
    const open = new Set<number>();
    let next = 0;
    for (const event of decodeChunks([bytes])) {
      if (event.type === 'block_start') {
        expect(open.size).toBe(0);
        expect(event.index).toBe(next++);
        open.add(event.index);
      } else if (event.type === 'block_stop') {
        expect(open.delete(event.index)).toBe(true);
      }
    }
    expect(open.size).toBe(0);
  });

  it('should name tools with the client names from the context', () => {
    const events = decodeChunks(
      [
        frame({
          candidates: [
            {
              content: { role: 'model', parts: [{ functionCall: { name: 'a_b', args: {} } }] },
              finishReason: 'STOP',
            },
          ],
        }),
      ],
      [['a_b', 'a/b']],
    );
    expect(events).toContainEqual({
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 'call_test1', name: 'a/b' },
    });
  });

  it('should emit an error and stop when a chunk is not JSON', () => {
    const events = decodeText(`data: {not json\n\n${frame({ candidates: [] })}`);
    expect(events).toEqual([
      {
        type: 'error',
        status: 502,
        errorType: 'api_error',
        message: 'Malformed chunk in the Gemini stream',
      },
    ]);
  });

  it('should ignore empty data and non-object chunks', () => {
    expect(decodeText('data: \n\ndata: [1]\n\n')).toEqual([]);
  });

  it('should emit nothing at end() for a cut stream', () => {
    const decoder = new GeminiStreamDecoder(testContext());
    decoder.push({
      data: JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }),
    });
    expect(decoder.end()).toEqual([]);
  });
});
