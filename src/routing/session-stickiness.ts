import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export interface SessionStickinessOptions {
  /** Idle lifetime of a binding; every read extends it. Default 300 s. */
  ttlSeconds?: number;
  /** Default `cch:sticky:`. */
  keyPrefix?: string;
  /** Redis failures, which are otherwise swallowed. */
  onError?: (error: unknown, operation: 'get' | 'bind') => void;
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
 */
export class SessionStickiness {
  private readonly ttlSeconds: number;
  private readonly keyPrefix: string;
  private readonly onError: SessionStickinessOptions['onError'];

  constructor(
    private readonly redis: Redis,
    options: SessionStickinessOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 300;
    this.keyPrefix = options.keyPrefix ?? 'cch:sticky:';
    this.onError = options.onError;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new Error('SessionStickiness: ttlSeconds must be a positive integer');
    }
  }

  /** The provider bound to the session, refreshing the binding's TTL; null if none (or no Redis). */
  async get(userId: string, sessionId: string): Promise<string | null> {
    if (!sessionId) {
      return null;
    }
    try {
      return await this.redis.getex(this.key(userId, sessionId), 'EX', this.ttlSeconds);
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
    try {
      await this.redis.set(this.key(userId, sessionId), providerId, 'EX', this.ttlSeconds);
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
