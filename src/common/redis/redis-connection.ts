import { RedisOptions } from 'ioredis';

/**
 * A command without a reply after this long fails ("Command timed out"): a Redis that hangs (a
 * network partition) degrades like one that is down instead of holding every request. Healthy
 * replies take well under a millisecond; nothing on these connections blocks on purpose. Two
 * seconds leave room for an event loop stalled by a huge body or a GC pause.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Options shared by every Redis connection. Commands fail fast while Redis is down instead of
 * queueing forever, so callers can degrade (fall back to Postgres, answer 503 on readiness).
 * BullMQ workers take only the address from here (their blocking reads must not time out).
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isFinite(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 2_000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // A socket that owes a reply and stays silent this long is dropped and reconnected: while it
    // reconnects, commands fail at once (no offline queue), so a partition costs one timeout, not
    // one per command.
    socketTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
}
