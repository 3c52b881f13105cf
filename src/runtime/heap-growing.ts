import { setFlagsFromString } from 'node:v8';
import { nodeFlagGiven } from './node-flags';

/** V8's flag: after a full GC, the old generation may grow to (1 + percent / 100) × what survived. */
export const HEAP_GROWING_FLAG = '--heap-growing-percent';

/** What `applyHeapGrowingPercent` did, for the start-up log. */
export type HeapGrowing =
  { source: 'setting'; percent: number } | { source: 'command-line' } | { source: 'v8-dynamic' };

/**
 * Fixes how far V8 lets the old generation grow between two full GCs (`V8_HEAP_GROWING_PERCENT`).
 *
 * Why: V8 picks the factor from its measured GC and allocation speeds, between 1.1 and 4. A
 * gateway process allocates little that lives long, so after a full GC at the wrong moment (an
 * idle spell, say) V8 can settle on a factor near 1.1. The limit then sits barely above the live
 * heap plus the young generation, and a busy process starts a new full GC as soon as the last one
 * ended: on 400 KB bodies, one every ~80 ms, each pausing the process for 2–15 ms (README,
 * Performance). A fixed factor of 2 keeps a live heap of ~50 MB collected every ~100 MB.
 *
 * V8 reads the flag each time it recomputes the limit, so setting it after start-up takes effect
 * from the next GC on. A `--heap-growing-percent` given to node on its command line wins: the
 * operator chose it, and cluster forks inherit it.
 */
export function applyHeapGrowingPercent(
  percent: number,
  execArgv: readonly string[],
  setFlags: (flags: string) => void = setFlagsFromString,
): HeapGrowing {
  if (nodeFlagGiven(HEAP_GROWING_FLAG, execArgv)) return { source: 'command-line' };
  if (percent === 0) return { source: 'v8-dynamic' };
  setFlags(`${HEAP_GROWING_FLAG}=${percent}`);
  return { source: 'setting', percent };
}
