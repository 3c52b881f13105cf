import { nodeFlagGiven } from './node-flags';

/** V8's flag: the largest each of the young generation's two semi-spaces may grow, in MB. */
export const SEMI_SPACE_FLAG = '--max-semi-space-size';

/** The semi-space size `auto` gives a fork on a Node whose V8 defaults to a 64 MB one (≥ 24). */
export const AUTO_SEMI_SPACE_MB = 8;

/** `V8_MAX_SEMI_SPACE_MB` as read from the environment: `auto` or a size in MB (0 = V8's own). */
export function parseSemiSpaceSetting(value: string): 'auto' | number {
  return value === 'auto' ? 'auto' : Number(value);
}

/**
 * The `--max-semi-space-size` flag this process tree should run with and does not have yet, or
 * null (V8's own size wanted, or the operator gave one).
 *
 * Why: Node 24's V8 lets each semi-space grow to 64 MB (Node 20's and 22's: 16 MB), so a young
 * generation of 128 MB is collected rarely. A request's body buffers live outside the heap until
 * the young-generation GC that frees their handles, and Node 24's V8 answers ~64 MB of such memory
 * with a full GC. On 400 KB bodies that was a full GC every ~150 ms, each pausing the worker.
 * With 8 MB semi-spaces the young GCs free the buffers first (README, Performance).
 *
 * The size can only be given when a process starts: cluster forks are started with it, and a
 * single process starts itself again with it (restartWithNodeFlags). A flag already in node's
 * own arguments or in NODE_OPTIONS is the operator's choice, and forks inherit both.
 */
export function missingSemiSpaceFlag(
  setting: 'auto' | number,
  nodeVersion: string = process.versions.node,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string | null {
  if (nodeFlagGiven(SEMI_SPACE_FLAG, execArgv, nodeOptions)) return null;
  const major = Number(nodeVersion.split('.')[0]);
  const megabytes = setting === 'auto' ? (major >= 24 ? AUTO_SEMI_SPACE_MB : 0) : setting;
  return megabytes > 0 ? `${SEMI_SPACE_FLAG}=${megabytes}` : null;
}
