import { MaxAgeCache } from '../common/cache/max-age-cache';

/** What a breaker's state key holds: when it opened (ms, as stored), or null while closed. */
export type StoredBreakerState = string | null;

/**
 * Sets of provider ids per process: the routed set changes only on admin changes, plus the one
 * the metrics scrape asks for.
 */
const MAX_SETS = 8;

/**
 * The breaker state keys of a set of providers as last read (one MGET) or written by this
 * process, so routing can skip the read while they are at most `maxAgeMs` old.
 *
 * Raw stored values are kept, not states: whether an open breaker's cool-down is over depends
 * on the clock at use time, so a cached entry still turns half-open on time. This process's own
 * transitions are applied at once (`applyTransition`); other processes' within `maxAgeMs`.
 */
export class BreakerStateCache {
  private readonly cache: MaxAgeCache<Map<string, StoredBreakerState>>;
  /** The routed id list is one array per provider snapshot: its key is built once. */
  private readonly keys = new WeakMap<readonly string[], string>();

  constructor(maxAgeMs: number, now: () => number = Date.now) {
    this.cache = new MaxAgeCache(maxAgeMs, MAX_SETS, now);
  }

  /** The stored state of each provider; `read` (in `ids` order) runs only when needed. Do not mutate. */
  read(
    ids: readonly string[],
    read: (ids: readonly string[]) => Promise<StoredBreakerState[]>,
  ): Promise<ReadonlyMap<string, StoredBreakerState>> {
    return this.cache.get(this.keyOf(ids), async () => {
      const values = await read(ids);
      return new Map(ids.map((id, index) => [id, values[index] ?? null]));
    });
  }

  /** This process moved a breaker: `openedAt` as now stored, null if it closed. */
  applyTransition(providerId: string, openedAt: StoredBreakerState): void {
    this.cache.patchAll((states) => {
      if (states.has(providerId)) states.set(providerId, openedAt);
    });
  }

  private keyOf(ids: readonly string[]): string {
    let key = this.keys.get(ids);
    if (key === undefined) {
      // The order is the snapshot's, stable between admin changes.
      key = JSON.stringify(ids);
      this.keys.set(ids, key);
    }
    return key;
  }
}
