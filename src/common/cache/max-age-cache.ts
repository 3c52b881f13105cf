import { ExpiringCache } from './expiring-cache';

/** Values a cache can hold: `undefined` is how a miss is told apart. */
export type Cacheable = NonNullable<unknown> | null;

/**
 * A process-local copy of values kept in a shared store (Redis), served while at most
 * `maxAgeMs` old instead of costing a round trip per use. Loads are single-flight: callers that
 * miss while a load of the same key is under way share it, so a burst after expiry makes one
 * read, not one per caller. A failed load is shared by its callers and never cached.
 *
 * This process's own writes (`set`, `patchAll`) count as fresh reads and win over loads already
 * under way, whose older answers are dropped: what this process changed itself is seen at once,
 * what other processes changed within `maxAgeMs`.
 *
 * `maxAgeMs` 0 keeps nothing: a `get` loads, sharing only a load started in the same event-loop
 * turn. Those callers would have sent the same read in the same socket write (see
 * `coalesceWrites`), so one read answers them all as of the same instant; at c=64 a turn holds
 * about ten requests.
 * Bounded by `maxEntries` (the oldest entry goes first, see `ExpiringCache`).
 */
export class MaxAgeCache<V extends Cacheable> {
  private readonly stored: ExpiringCache<V>;
  private readonly loads = new Map<string, Promise<V>>();
  /** With `maxAgeMs` 0: the loads started in this event-loop turn, cleared at its end. */
  private readonly turnLoads = new Map<string, Promise<V>>();

  constructor(
    readonly maxAgeMs: number,
    maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0 || !(maxEntries >= 1)) {
      throw new Error('MaxAgeCache: maxAgeMs must be >= 0 and maxEntries >= 1');
    }
    this.stored = new ExpiringCache<V>(maxEntries, now);
  }

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  /** The value kept for `key` if fresh, else the one `load` reads (joining a load under way). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.enabled) return this.sameTurn(key, load);
    const kept = this.stored.get(key);
    if (kept !== undefined) return Promise.resolve(kept);
    const pending = this.loads.get(key);
    if (pending) return pending;
    // Aged from when the read was sent: the store answered somewhere after that.
    const startedAt = this.now();
    const settle = () => {
      const current = this.loads.get(key) === loading;
      if (current) this.loads.delete(key);
      return current;
    };
    const loading: Promise<V> = start(load).then(
      (value) => {
        // A write of this process since the load was sent is newer than its answer.
        if (settle()) this.keep(key, value, startedAt + this.maxAgeMs - this.now());
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    this.loads.set(key, loading);
    return loading;
  }

  /** This process wrote `value` to the store: keep it as a fresh read. */
  set(key: string, value: V): void {
    this.turnLoads.delete(key);
    if (!this.enabled) return;
    this.loads.delete(key);
    this.keep(key, value, this.maxAgeMs);
  }

  /**
   * This process changed part of every value (mutable values only, such as maps): `patch` edits
   * each value kept in place, without making it any fresher, and loads under way are dropped so
   * the callers that come next cannot receive an answer read before the change.
   */
  patchAll(patch: (value: V) => void): void {
    this.turnLoads.clear();
    if (!this.enabled) return;
    this.loads.clear();
    for (const [, value] of this.stored.live()) patch(value);
  }

  private sameTurn(key: string, load: () => Promise<V>): Promise<V> {
    const pending = this.turnLoads.get(key);
    if (pending) return pending;
    const loading = start(load);
    if (this.turnLoads.size === 0) setImmediate(() => this.turnLoads.clear());
    this.turnLoads.set(key, loading);
    return loading;
  }

  private keep(key: string, value: V, ttlMs: number): void {
    if (ttlMs > 0) this.stored.set(key, value, ttlMs);
    else this.stored.delete(key);
  }
}

/** Runs `load`, turning a synchronous throw into a rejection. */
function start<V>(load: () => Promise<V>): Promise<V> {
  try {
    return load();
  } catch (error: unknown) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
