import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { LuaScript } from '../common/redis/lua-script';
import { BreakerStateCache } from './breaker-state-cache';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a recorded outcome did to the breaker. */
export type CircuitTransition = 'opened' | 'closed' | 'reopened';

export type CircuitOperation = 'states' | 'acquire' | 'recordSuccess' | 'recordFailure';

export interface CircuitBreakerOptions {
  /** Length of the sliding window the failure rate is computed over. Default 60 s. */
  windowMs?: number;
  /** Sub-buckets the window is made of; it slides one bucket at a time. Default 10. */
  buckets?: number;
  /** No opening below this many outcomes in the window. Default 5. */
  minimumRequests?: number;
  /** Failure share (0..1) at or above which the breaker opens. Default 0.5. */
  failureRateThreshold?: number;
  /** Cool-down before a half-open probe is allowed. Default 30 s. */
  openMs?: number;
  /** How long an unresolved probe blocks other probes (its caller may have died). Default 2 × openMs. */
  probeTimeoutMs?: number;
  /** Default `cch:cb:`. */
  keyPrefix?: string;
  /**
   * `states` answers from what this instance last read or wrote if at most this old (ms), instead
   * of reading Redis every time; other replicas' transitions are then seen up to this late. 0
   * (default) reads every time.
   */
  stateMaxAgeMs?: number;
  /** Redis failures, which are otherwise swallowed (the breaker fails open). */
  onError?: (error: unknown, operation: CircuitOperation, providerId: string | null) => void;
  /** State changes caused by recorded outcomes, for logs and metrics. */
  onTransition?: (providerId: string, transition: CircuitTransition) => void;
}

type ResolvedOptions = Required<
  Omit<CircuitBreakerOptions, 'onError' | 'onTransition' | 'stateMaxAgeMs'>
>;

/*
 * Keys per provider (the `{id}` hash tag keeps them in one cluster slot, as the scripts need):
 *   <prefix>{id}:state   string: openedAt (ms, caller's clock); present while open/half-open
 *   <prefix>{id}:probe   string: token of the replica holding the half-open probe (SET NX PX)
 *   <prefix>{id}:window  hash: `s:<bucket>` / `f:<bucket>` success and failure counts
 */

/** KEYS: state, probe. ARGV: now, openMs, probeTimeoutMs, token, stateTtlMs. 1 closed, 2 probe won, 0 no. */
const ACQUIRE_SCRIPT = `
local openedAt = redis.call('GET', KEYS[1])
if not openedAt then return 1 end
if tonumber(ARGV[1]) < tonumber(openedAt) + tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 2
end
return 0
`;

/**
 * KEYS: state, probe, window. ARGV: kind ('s'|'f'), now, bucket, oldestBucket, minimumRequests,
 * threshold, stateTtlMs, windowTtlMs, token[, count]. Returns 'opened' | 'closed' | 'reopened' | ''.
 */
const RECORD_SCRIPT = `
local kind = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then
  -- Open or half-open: only the probe's own outcome counts; stragglers are ignored.
  if ARGV[9] ~= '' and redis.call('GET', KEYS[2]) == ARGV[9] then
    redis.call('DEL', KEYS[2])
    if kind == 's' then
      redis.call('DEL', KEYS[1], KEYS[3])
      return 'closed'
    end
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[7])
    return 'reopened'
  end
  return ''
end
redis.call('HINCRBY', KEYS[3], kind .. ':' .. ARGV[3], tonumber(ARGV[10] or '1'))
redis.call('PEXPIRE', KEYS[3], ARGV[8])
-- Drop buckets that slid out of the window (on successes too, or they would pile up) and sum.
local oldest = tonumber(ARGV[4])
local successes, failures = 0, 0
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  local field = entries[i]
  if tonumber(string.sub(field, 3)) < oldest then
    redis.call('HDEL', KEYS[3], field)
  elseif string.sub(field, 1, 1) == 'f' then
    failures = failures + tonumber(entries[i + 1])
  else
    successes = successes + tonumber(entries[i + 1])
  end
end
local total = successes + failures
if kind == 'f' and total >= tonumber(ARGV[5]) and failures / total >= tonumber(ARGV[6]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[7])
  redis.call('DEL', KEYS[3])
  return 'opened'
end
return ''
`;

const acquireScript = new LuaScript(ACQUIRE_SCRIPT);
const recordScript = new LuaScript(RECORD_SCRIPT);

/**
 * A per-provider circuit breaker kept in Redis, so every gateway replica sees the same state.
 *
 * Closed: outcomes are counted in a sliding window of fixed sub-buckets; a failure that brings
 * the window to at least `minimumRequests` outcomes with a failure share of at least
 * `failureRateThreshold` opens the breaker. Open: `acquire` refuses for `openMs`. Half-open
 * (cool-down over): exactly one caller across all replicas wins the probe (an atomic
 * SET NX PX lock, released after `probeTimeoutMs` if its result never arrives); the probe's
 * success closes the breaker with a fresh window, its failure re-opens it for another cool-down.
 * The probe's outcome is recognised by a token kept by the replica (instance) that won it: the
 * next outcome that replica records for the provider. Outcomes recorded elsewhere while the
 * breaker is open (late results of requests sent before it opened) change nothing.
 *
 * Time comes from the injected `now` (the replicas' clocks are assumed roughly in sync); Redis
 * TTLs only clean up. A breaker left open and never probed is forgotten (closed) once its state
 * key expires, `openMs + probeTimeoutMs + windowMs` after opening.
 *
 * With `stateMaxAgeMs`, `states` may answer from the state keys as this instance last read or
 * wrote them (see `BreakerStateCache`); `acquire` and the record methods always go to Redis.
 *
 * Fails open: if Redis is unreachable, `states` reports every provider closed and `acquire`
 * says yes, and the record methods do nothing. Losing Redis must not take routing down with
 * it; errors are reported through `onError` instead.
 */
export class CircuitBreaker {
  private readonly options: ResolvedOptions;
  private readonly bucketMs: number;
  private readonly stateTtlMs: number;
  private readonly windowTtlMs: number;
  /** Probe tokens this instance holds, by provider. */
  private readonly probes = new Map<string, string>();
  private readonly onError: CircuitBreakerOptions['onError'];
  private readonly onTransition: CircuitBreakerOptions['onTransition'];
  private readonly stateCache: BreakerStateCache;

  constructor(
    private readonly redis: Redis,
    options: CircuitBreakerOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    const openMs = options.openMs ?? 30_000;
    this.options = {
      windowMs: options.windowMs ?? 60_000,
      buckets: options.buckets ?? 10,
      minimumRequests: options.minimumRequests ?? 5,
      failureRateThreshold: options.failureRateThreshold ?? 0.5,
      openMs,
      probeTimeoutMs: Math.ceil(options.probeTimeoutMs ?? 2 * openMs),
      keyPrefix: options.keyPrefix ?? 'cch:cb:',
    };
    const { windowMs, buckets, failureRateThreshold, probeTimeoutMs } = this.options;
    if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) {
      throw new Error('CircuitBreaker: windowMs must be positive and buckets a positive integer');
    }
    if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
      throw new Error('CircuitBreaker: failureRateThreshold must be in (0, 1]');
    }
    if (!(openMs > 0) || !(probeTimeoutMs > 0)) {
      throw new Error('CircuitBreaker: openMs and probeTimeoutMs must be positive');
    }
    this.onError = options.onError;
    this.onTransition = options.onTransition;
    this.stateCache = new BreakerStateCache(options.stateMaxAgeMs ?? 0, now);
    this.bucketMs = windowMs / buckets;
    this.stateTtlMs = Math.ceil(openMs + probeTimeoutMs + windowMs);
    this.windowTtlMs = Math.ceil(windowMs + this.bucketMs);
  }

  /** States of many providers in one round trip. 'half-open' means the cool-down is over. */
  async states(providerIds: readonly string[]): Promise<Map<string, CircuitState>> {
    const result = new Map<string, CircuitState>(providerIds.map((id) => [id, 'closed']));
    if (providerIds.length === 0) {
      return result;
    }
    // One MGET, not an explicit pipeline: on an auto-pipelining client it shares one socket
    // write with whatever else the request sends in the same tick (the limits admission).
    let stored: ReadonlyMap<string, string | null>;
    try {
      stored = await this.stateCache.read(providerIds, (ids) =>
        this.redis.mget(ids.map((id) => this.key(id, 'state'))),
      );
    } catch (error: unknown) {
      for (const id of providerIds) this.reportError(error, 'states', id);
      return result;
    }
    // Open vs half-open is decided now, not when read: a cached state still cools down on time.
    const now = this.now();
    for (const [id, openedAt] of stored) {
      if (typeof openedAt === 'string') {
        const cooled = now >= Number(openedAt) + this.options.openMs;
        result.set(id, cooled ? 'half-open' : 'open');
      }
    }
    return result;
  }

  /**
   * Whether a request may go to the provider now: always when closed, never during the cool-down,
   * and afterwards only for the single caller that wins the probe until that probe resolves.
   */
  async acquire(providerId: string): Promise<boolean> {
    const token = randomUUID();
    try {
      const reply = await acquireScript.run(
        this.redis,
        [this.key(providerId, 'state'), this.key(providerId, 'probe')],
        [this.now(), this.options.openMs, this.options.probeTimeoutMs, token, this.stateTtlMs],
      );
      if (reply === 2) {
        this.probes.set(providerId, token);
      }
      return reply === 1 || reply === 2;
    } catch (error) {
      this.reportError(error, 'acquire', providerId);
      return true;
    }
  }

  recordSuccess(providerId: string): Promise<void> {
    return this.record(providerId, 's', 'recordSuccess');
  }

  recordFailure(providerId: string): Promise<void> {
    return this.record(providerId, 'f', 'recordFailure');
  }

  /**
   * `count` successes of requests that needed no probe permit (the breaker was closed when they
   * were routed), in one call: they count in the closed window and never resolve a probe.
   */
  recordSuccesses(providerId: string, count: number): Promise<void> {
    return this.record(providerId, 's', 'recordSuccess', count);
  }

  private async record(
    providerId: string,
    kind: 's' | 'f',
    operation: CircuitOperation,
    count?: number,
  ): Promise<void> {
    let token = '';
    if (count === undefined) {
      token = this.probes.get(providerId) ?? '';
      // The probe has produced its one outcome; whatever Redis says, this token is spent.
      this.probes.delete(providerId);
    }
    const now = this.now();
    const bucket = Math.floor(now / this.bucketMs);
    try {
      const reply = await recordScript.run(
        this.redis,
        [
          this.key(providerId, 'state'),
          this.key(providerId, 'probe'),
          this.key(providerId, 'window'),
        ],
        [
          kind,
          now,
          bucket,
          bucket - this.options.buckets + 1,
          this.options.minimumRequests,
          this.options.failureRateThreshold,
          this.stateTtlMs,
          this.windowTtlMs,
          token,
          ...(count === undefined ? [] : [count]),
        ],
      );
      if (reply === 'opened' || reply === 'closed' || reply === 'reopened') {
        // What the script stored (`now` as openedAt, or nothing), seen by this replica at once.
        this.stateCache.applyTransition(providerId, reply === 'closed' ? null : String(now));
        this.notifyTransition(providerId, reply);
      }
    } catch (error) {
      this.reportError(error, operation, providerId);
    }
  }

  private key(providerId: string, part: 'state' | 'probe' | 'window'): string {
    return `${this.options.keyPrefix}{${providerId}}:${part}`;
  }

  private reportError(error: unknown, operation: CircuitOperation, providerId: string | null) {
    try {
      this.onError?.(error, operation, providerId);
    } catch {
      // A faulty logger must not turn a swallowed Redis error into a routing failure.
    }
  }

  private notifyTransition(providerId: string, transition: CircuitTransition) {
    try {
      this.onTransition?.(providerId, transition);
    } catch {
      // Same as above.
    }
  }
}
