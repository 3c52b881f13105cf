import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { withTimeout } from '../../common/async/with-timeout';
import { hashApiKey, looksLikeApiKey } from '../../common/crypto/api-key';
import { GatewayError, GatewayErrorCode } from '../../common/errors/gateway-error';
import { closeRedis } from '../../common/redis/close-redis';
import { subscribe } from '../../common/redis/subscribe';
import { REDIS_CLIENT } from '../../common/redis/redis.tokens';
import { ApiKeysRepository } from '../../keys/api-keys.repository';
import {
  KEY_INVALIDATION_CHANNEL,
  keyCacheRedisKey,
  keyGenerationRedisKey,
} from '../../keys/key-events';
import { KEY_REJECTION_MESSAGES } from '../../keys/key-validity';
import { reportDegradation, reportRecovery } from '../../metrics/degradation';
import { evaluateSnapshot, GatewayPrincipal, KeySnapshot, snapshotOf } from './gateway-principal';
import { ExpiringCache } from '../../common/cache/expiring-cache';

/** In-process entries are short-lived: they only absorb bursts; Redis holds the shared copy. */
const LOCAL_TTL_MS = 30_000;
const LOCAL_NEGATIVE_TTL_MS = 10_000;
/**
 * While the invalidation channel is down (Redis unreachable), a revocation cannot be announced:
 * entries then live this long, which bounds how long a replica may still accept a revoked key.
 */
const LOCAL_TTL_WITHOUT_INVALIDATION_MS = 5_000;
const REDIS_TTL_SECONDS = 300;
const REDIS_NEGATIVE_TTL_SECONDS = 30;
const KEY_STORE_RETRY_AFTER_SECONDS = 5;
const LOCAL_MAX_ENTRIES = 50_000;
const NEGATIVE = 'none';
/** A key lookup that takes longer (a database that hangs rather than refuses) is answered 503. */
const DATABASE_LOOKUP_TIMEOUT_MS = 5_000;
/** `retry-after` when a key cannot be checked: Postgres outages are usually short (failover). */
const LOOKUP_RETRY_AFTER_SECONDS = 5;

/** Writes the snapshot only if no invalidation happened since the caller read the generation. */
const WRITE_IF_GENERATION_UNCHANGED = `
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
  return 1
end
return 0`;

/**
 * Resolves a gateway key to its principal: in-process cache → Redis → Postgres, with negative
 * caching at each level so a flood of bad keys never reaches the database. Key and user changes
 * are announced on a Redis channel; every replica drops its local entry within milliseconds.
 */
@Injectable()
export class GatewayKeyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(GatewayKeyService.name);
  private readonly local = new ExpiringCache<KeySnapshot | null>(LOCAL_MAX_ENTRIES);
  /**
   * The valid keys of the in-process cache when the invalidation channel came back. They are not
   * trusted any more (announcements made while it was down are lost), but when neither Redis nor
   * Postgres can answer for one of them, as just after a Redis restart during a Postgres outage
   * while the main Redis client is still reconnecting, its snapshot from before is accepted for
   * LOCAL_TTL_WITHOUT_INVALIDATION_MS: the bound this service already accepts for a revocation
   * it cannot hear about. Without it, every active key got 503s in that window.
   */
  private readonly lastKnown = new ExpiringCache<KeySnapshot>(LOCAL_MAX_ENTRIES);
  private subscriber: Redis | null = null;
  /** Bumped by every invalidation, so a lookup that raced one does not cache what it read. */
  private epoch = 0;

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.subscriber = subscribe(
      this.redis,
      KEY_INVALIDATION_CHANNEL,
      (keyHash) => {
        this.epoch += 1;
        this.local.delete(keyHash);
        this.lastKnown.delete(keyHash);
      },
      // After a reconnect, announcements sent while we were away are lost: start afresh.
      () => {
        this.epoch += 1;
        for (const [keyHash, snapshot] of this.local.live()) {
          if (snapshot) this.lastKnown.set(keyHash, snapshot, LOCAL_TTL_WITHOUT_INVALIDATION_MS);
        }
        this.local.clear();
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.subscriber);
  }

  async authenticate(key: string, now = new Date()): Promise<GatewayPrincipal> {
    if (!looksLikeApiKey(key)) {
      throw new GatewayError(GatewayErrorCode.INVALID_API_KEY, 'Invalid API key.');
    }
    const snapshot = await this.lookup(hashApiKey(key)).catch((error: unknown) => {
      // Neither cache knows the key and Postgres is unreachable: the key may well be valid, so
      // answer "retry later" rather than a 401 that tells the client its key is wrong.
      this.logger.warn(`key lookup failed: ${error instanceof Error ? error.message : 'unknown'}`);
      throw new GatewayError(
        GatewayErrorCode.UPSTREAM_UNAVAILABLE,
        'API keys cannot be checked right now; retry later.',
        { retryAfterSeconds: KEY_STORE_RETRY_AFTER_SECONDS },
      );
    });
    if (!snapshot) {
      throw new GatewayError(GatewayErrorCode.INVALID_API_KEY, 'Invalid API key.');
    }
    const outcome = evaluateSnapshot(snapshot, now);
    if ('rejection' in outcome) {
      throw new GatewayError(
        GatewayErrorCode.KEY_REJECTED,
        KEY_REJECTION_MESSAGES[outcome.rejection],
      );
    }
    return outcome.principal;
  }

  /** Concurrent lookups of one uncached key share a single Redis/Postgres round trip. */
  private readonly inFlight = new Map<string, Promise<KeySnapshot | null>>();

  private lookup(keyHash: string): Promise<KeySnapshot | null> {
    const cached = this.local.get(keyHash);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(keyHash);
    if (!pending) {
      pending = this.load(keyHash).finally(() => this.inFlight.delete(keyHash));
      this.inFlight.set(keyHash, pending);
    }
    return pending;
  }

  private async load(keyHash: string): Promise<KeySnapshot | null> {
    const epoch = this.epoch;

    const shared = await this.readShared(keyHash);
    if (shared.snapshot !== undefined) {
      this.lastKnown.delete(keyHash);
      this.remember(keyHash, shared.snapshot, epoch);
      return shared.snapshot;
    }

    let snapshot: KeySnapshot | null;
    try {
      const row = await this.readDatabase(keyHash);
      snapshot = row?.user ? snapshotOf(row, row.user) : null;
    } catch (error: unknown) {
      // Redis unreachable as well (no generation read): a key valid just before may still pass.
      const lastKnown = shared.generation === null ? this.lastKnown.get(keyHash) : undefined;
      if (lastKnown) return lastKnown;
      throw error;
    }
    this.lastKnown.delete(keyHash);
    this.remember(keyHash, snapshot, epoch);
    if (shared.generation !== null) {
      await this.writeShared(keyHash, snapshot, shared.generation);
    }
    return snapshot;
  }

  /**
   * A key found in neither cache needs Postgres; without it the key cannot be judged, so the
   * client gets a retryable 503 in its own envelope, never a 401 that would log it out.
   */
  private async readDatabase(keyHash: string) {
    try {
      const row = await withTimeout(
        this.keys.findByHashWithUser(keyHash),
        DATABASE_LOOKUP_TIMEOUT_MS,
      );
      reportRecovery('auth', 'postgres');
      return row;
    } catch (error: unknown) {
      reportDegradation(
        'auth',
        'fail_closed',
        'postgres',
        'keys in neither the in-process nor the Redis cache are answered 503',
        error,
      );
      throw new GatewayError(
        GatewayErrorCode.UPSTREAM_UNAVAILABLE,
        'The API key cannot be checked right now; retry later.',
        { retryAfterSeconds: LOOKUP_RETRY_AFTER_SECONDS },
      );
    }
  }

  private remember(keyHash: string, snapshot: KeySnapshot | null, epoch: number): void {
    if (epoch !== this.epoch) return;
    const ttl = snapshot ? LOCAL_TTL_MS : LOCAL_NEGATIVE_TTL_MS;
    const listening = this.subscriber?.status === 'ready';
    this.local.set(
      keyHash,
      snapshot,
      listening ? ttl : Math.min(ttl, LOCAL_TTL_WITHOUT_INVALIDATION_MS),
    );
  }

  /**
   * `snapshot` undefined = not in Redis: fall through to Postgres. `generation` null = Redis is
   * unreachable, so nothing is written back.
   */
  private async readShared(
    keyHash: string,
  ): Promise<{ snapshot: KeySnapshot | null | undefined; generation: string | null }> {
    try {
      const [raw, generation] = await this.redis.mget(
        keyCacheRedisKey(keyHash),
        keyGenerationRedisKey(keyHash),
      );
      const snapshot =
        raw === null || raw === undefined
          ? undefined
          : raw === NEGATIVE
            ? null
            : (JSON.parse(raw) as KeySnapshot);
      reportRecovery('auth', 'redis');
      return { snapshot, generation: generation ?? '0' };
    } catch (error: unknown) {
      reportDegradation(
        'auth',
        'fallback',
        'redis',
        'keys missing from the in-process cache are read from Postgres',
        error,
      );
      return { snapshot: undefined, generation: null };
    }
  }

  private async writeShared(
    keyHash: string,
    snapshot: KeySnapshot | null,
    generation: string,
  ): Promise<void> {
    try {
      await this.redis.eval(
        WRITE_IF_GENERATION_UNCHANGED,
        2,
        keyCacheRedisKey(keyHash),
        keyGenerationRedisKey(keyHash),
        generation,
        snapshot ? JSON.stringify(snapshot) : NEGATIVE,
        snapshot ? REDIS_TTL_SECONDS : REDIS_NEGATIVE_TTL_SECONDS,
      );
    } catch {
      // Redis down: Postgres stays the source of truth; the local layer still absorbs bursts.
    }
  }
}
