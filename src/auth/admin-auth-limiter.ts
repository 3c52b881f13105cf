import Redis from 'ioredis';
import { reportDegradation, reportRecovery } from '../metrics/degradation';

/** Failed admin authentications allowed per client IP within one window. */
export const ADMIN_AUTH_MAX_FAILURES = 10;
/** Length of the fixed window that counts failures, in milliseconds. */
export const ADMIN_AUTH_WINDOW_MS = 5 * 60 * 1000;
const KEY_PREFIX = 'cch:admin-auth-fail:';

/**
 * Counts one failure and returns the count and the window's remaining milliseconds. The first
 * failure of a window starts its expiry; later ones never extend it (a fixed window).
 */
const RECORD_FAILURE = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

export interface AdminAuthLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  keyPrefix?: string;
  /**
   * While Redis is unreachable: true (default) lets authentication proceed uncounted; false
   * refuses every admin authentication (503) until the limiter can count again.
   */
  failOpen?: boolean;
}

/** The limiter cannot count (Redis down) and fails closed: refuse the request with a 503. */
export const LIMITER_UNAVAILABLE = 'unavailable';

/**
 * Brute-force limiter of the admin API, shared by every instance through Redis: a client IP
 * with `maxFailures` failed authentications within the window is refused (429) until the window
 * passes, without its credential being checked. A success resets nothing. While Redis is
 * unreachable it fails open (nothing counted or refused) or, with `failOpen: false`, closed
 * (`retryAfterSeconds` answers {@link LIMITER_UNAVAILABLE}); either way the degradation is
 * counted and logged.
 */
export class AdminAuthLimiter {
  private readonly maxFailures: number;
  private readonly failOpen: boolean;
  private readonly windowMs: number;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    options: AdminAuthLimiterOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? ADMIN_AUTH_MAX_FAILURES;
    this.windowMs = options.windowMs ?? ADMIN_AUTH_WINDOW_MS;
    this.keyPrefix = options.keyPrefix ?? KEY_PREFIX;
    this.failOpen = options.failOpen ?? true;
  }

  /**
   * Seconds until `ip` may try again, or null when it is not blocked (or Redis is down and the
   * limiter fails open), or {@link LIMITER_UNAVAILABLE} when Redis is down and it fails closed.
   */
  async retryAfterSeconds(ip: string): Promise<number | null | typeof LIMITER_UNAVAILABLE> {
    try {
      const key = this.key(ip);
      const [[countError, count], [ttlError, ttl]] = (await this.redis
        .multi()
        .get(key)
        .pttl(key)
        .exec()) as [[Error | null, string | null], [Error | null, number]];
      const commandError = countError ?? ttlError;
      if (commandError) {
        throw commandError;
      }
      reportRecovery('admin_auth_limiter', 'redis');
      if (count === null || Number(count) < this.maxFailures) {
        return null;
      }
      return toSeconds(ttl > 0 ? ttl : this.windowMs);
    } catch (error) {
      this.redisDown(error);
      return this.failOpen ? null : LIMITER_UNAVAILABLE;
    }
  }

  /** Counts a failed authentication of `ip`; returns the seconds it is now blocked for, if any. */
  async recordFailure(ip: string): Promise<number | null> {
    try {
      const [count, ttl] = (await this.redis.eval(
        RECORD_FAILURE,
        1,
        this.key(ip),
        String(this.windowMs),
      )) as [number, number];
      return count >= this.maxFailures ? toSeconds(ttl) : null;
    } catch (error) {
      this.redisDown(error);
      return null;
    }
  }

  private key(ip: string): string {
    return `${this.keyPrefix}${ip}`;
  }

  private redisDown(error: unknown): void {
    reportDegradation(
      'admin_auth_limiter',
      this.failOpen ? 'fail_open' : 'fail_closed',
      'redis',
      this.failOpen
        ? 'failed admin authentications are not counted or limited'
        : 'admin authentication refused with 503 until Redis is back',
      error,
    );
  }
}

function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
