import { SseEvent, SseParser } from '../../src/protocols/sse/sse-parser';

/** Deterministic PRNG (mulberry32): random splits and statistical tests stay reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes at the given offsets (any order, duplicates allowed). */
export function splitAt<T extends Uint8Array>(bytes: T, offsets: number[]): T[] {
  const sorted = [...offsets].sort((a, b) => a - b);
  const chunks: T[] = [];
  let start = 0;
  for (const offset of sorted) {
    chunks.push(bytes.subarray(start, offset) as T);
    start = offset;
  }
  chunks.push(bytes.subarray(start) as T);
  return chunks;
}

/** Parses SSE text delivered in the given chunks. */
export function parseSse(chunks: (Uint8Array | string)[]): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}
