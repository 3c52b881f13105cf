import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { MaxAgeCache } from '../common/cache/max-age-cache';

export interface SessionStickinessOptions {
  /** Idle lifetime of a binding; every read extends it. Default 300 s. */
  ttlSeconds?: number;
  /** Default `cch:sticky:`. */
  keyPrefix?: string;
  /** Redis failures, which are otherwise swallowed. */
  onError?: (error: unknown, operation: 'get' | 'bind') => void;
  /**
   * `get` answers from the binding this process last read or wrote if at most this old (ms),
   * without a GETEX; a binding written by another replica is then seen up to this late. 0
   * (default) reads every time.
   */
  maxAgeMs?: number;
  /** Sessions remembered in process when `maxAgeMs` > 0; the oldest go first. Default 20 000. */
  maxLocalSessions?: number;
}

/**
 * Remembers which provider served a user's CLI session, so the next request of that session can
 * go to the same provider and find its prompt cache warm. Bindings slide: each read refreshes the
 * TTL (GETEX ... EX), so an active session stays bound and an idle one is forgotten.
 *
 * Purely an optimisation: Redis errors are swallowed (`get` answers null, `bind` does nothing)
 * and reported through `onError`.
 *
 * Keys are `<prefix><userId>:<sha256(sessionId)>`: bindings are per user, so one user cannot
 * steer or observe another's routing by reusing a session id, and the hash bounds the key length
 * of client-supplied session ids.
 *
 * With `maxAgeMs`, bindings (and their absence) are also kept in process under the same key, so
 * the raw session id is never held, in a map bounded by `maxLocalSessions`. A local hit skips
 * the GETEX and so does not slide the TTL; `bind`, which follows every served request, writes
 * through and slides it instead.
 */
export class SessionStickiness {
  private readonly ttlSeconds: number;
  private readonly keyPrefix: string;
  private readonly onError: SessionStickinessOptions['onError'];
  private readonly local: MaxAgeCache<string | null>;

  constructor(
    private readonly redis: Redis,
    options: SessionStickinessOptions = {},
    now: () => number = Date.now,
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 300;
    this.keyPrefix = options.keyPrefix ?? 'cch:sticky:';
    this.onError = options.onError;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new Error('SessionStickiness: ttlSeconds must be a positive integer');
    }
    this.local = new MaxAgeCache(options.maxAgeMs ?? 0, options.maxLocalSessions ?? 20_000, now);
  }

  /** The provider bound to the session, refreshing the binding's TTL; null if none (or no Redis). */
  async get(userId: string, sessionId: string): Promise<string | null> {
    if (!sessionId) {
      return null;
    }
    const key = this.key(userId, sessionId);
    try {
      return await this.local.get(key, () => this.redis.getex(key, 'EX', this.ttlSeconds));
    } catch (error) {
      this.report(error, 'get');
      return null;
    }
  }

  /** Binds the session to the provider (replacing any earlier binding) for `ttlSeconds`. */
  async bind(userId: string, sessionId: string, providerId: string): Promise<void> {
    if (!sessionId) {
      return;
    }
    const key = this.key(userId, sessionId);
    // This process's choice holds here at once, even if the write below fails.
    this.local.set(key, providerId);
    try {
      await this.redis.set(key, providerId, 'EX', this.ttlSeconds);
    } catch (error) {
      this.report(error, 'bind');
    }
  }

  private key(userId: string, sessionId: string): string {
    const session = createHash('sha256').update(sessionId).digest('base64url');
    return `${this.keyPrefix}${encodeURIComponent(userId)}:${session}`;
  }

  private report(error: unknown, operation: 'get' | 'bind'): void {
    try {
      this.onError?.(error, operation);
    } catch {
      // A faulty logger must not break routing.
    }
  }
}
