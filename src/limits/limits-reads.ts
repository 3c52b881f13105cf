import type Redis from 'ioredis';
import type { Limits } from '../common/limits/limits';
import { windowLimitMicros } from './limit-headers';
import { oldestRateSecond, RPM_WINDOW_MS } from './limit-windows';
import { BUDGET_WINDOWS, BudgetWindow, LimitScope, LimitsUsage, WindowUsage } from './limits.types';
import { microsToUsd, replyMicros } from './usd-micros';

export interface ScopeReadKeys {
  base: string;
  /** The previous release's request window (a zset), counted during a rolling upgrade. */
  rpm: string;
  rate: string;
  inflight: string;
  resv: string;
  roll: string;
  day: string;
  week: string;
  month: string;
  total: string;
}

export interface ScopeSpend {
  /** The baseline marker is there: the counters are meaningful. */
  marked: boolean;
  spent: Record<BudgetWindow, bigint>;
  /** Oldest rolling bucket with spend, or null. */
  oldestSpentBucket: number | null;
}

function hashEntries(value: unknown): [string, string][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
}

function spendOf(
  marked: unknown,
  roll: unknown,
  calendar: unknown[],
  oldestBucket: number,
): ScopeSpend {
  let spent5h = 0n;
  let oldestSpentBucket: number | null = null;
  for (const [field, value] of hashEntries(roll)) {
    const bucket = Number(field);
    // Also skips the hash's aggregates: fields -1 and -2 (see limits.scripts.ts).
    if (bucket < oldestBucket) continue;
    const amount = replyMicros(value);
    if (amount <= 0n) continue;
    spent5h += amount;
    if (oldestSpentBucket === null || bucket < oldestSpentBucket) oldestSpentBucket = bucket;
  }
  return {
    marked: marked === 1,
    spent: {
      '5h': spent5h,
      daily: replyMicros(calendar[0]),
      weekly: replyMicros(calendar[1]),
      monthly: replyMicros(calendar[2]),
      total: replyMicros(calendar[3]),
    },
    oldestSpentBucket,
  };
}

/** Requests counted in the rate hash at `now`: its seconds from the oldest still counted. */
function requestsOf(rate: unknown, now: number): number {
  const oldest = oldestRateSecond(now);
  let count = 0;
  for (const [field, value] of hashEntries(rate)) {
    // Also skips the hash's aggregates: fields -1 and -2.
    if (Number(field) >= oldest) count += Number(value);
  }
  return count;
}

/**
 * Spend of many providers in one round trip: the commands of one turn leave in one write (see
 * coalesceWrites). Plain commands, not an ioredis pipeline, which the GC keeps alive too long.
 */
export async function readProviderSpend(
  redis: Redis,
  scopes: readonly LimitScope[],
  keysOf: (scope: LimitScope) => ScopeReadKeys,
  oldestBucket: number,
): Promise<ScopeSpend[]> {
  return Promise.all(
    scopes.map(async (scope) => {
      const keys = keysOf(scope);
      const [marked, roll, calendar] = await Promise.all([
        redis.exists(keys.base),
        redis.hgetall(keys.roll),
        redis.mget(keys.day, keys.week, keys.month, keys.total),
      ]);
      return spendOf(marked, roll, calendar, oldestBucket);
    }),
  );
}

export interface ScopeUsage extends ScopeSpend {
  rpmUsed: number;
  inFlight: number;
  reserved: bigint;
  toLimitsUsage(limits: Limits, resetsAt: Record<BudgetWindow, number | null>): LimitsUsage;
}

/** Everything known about one scope, read without changing anything. */
export async function readScopeUsage(
  redis: Redis,
  keys: ScopeReadKeys,
  now: number,
  oldestBucket: number,
): Promise<ScopeUsage> {
  const [marked, roll, calendar, rate, legacyRequests, inflight, resv] = await Promise.all([
    redis.exists(keys.base),
    redis.hgetall(keys.roll),
    redis.mget(keys.day, keys.week, keys.month, keys.total),
    redis.hgetall(keys.rate),
    redis.zcount(keys.rpm, `(${now - RPM_WINDOW_MS}`, '+inf'),
    redis.zrangebyscore(keys.inflight, `(${now}`, '+inf'),
    redis.hgetall(keys.resv),
  ]);
  const spend = spendOf(marked, roll, calendar, oldestBucket);
  const rpmUsed = requestsOf(rate, now) + legacyRequests;
  const live = new Set(inflight);
  let reserved = 0n;
  for (const [field, value] of hashEntries(resv)) {
    if (field.startsWith('r:') && live.has(field.slice(2))) reserved += replyMicros(value);
  }
  return {
    ...spend,
    rpmUsed,
    inFlight: live.size,
    reserved,
    toLimitsUsage(limits, resetsAt) {
      const windows = Object.fromEntries(
        BUDGET_WINDOWS.map((window): [BudgetWindow, WindowUsage] => {
          const limit = windowLimitMicros(limits, window);
          const used = spend.spent[window] + reserved;
          return [
            window,
            {
              limit: limit === null ? null : microsToUsd(limit),
              spent: microsToUsd(spend.spent[window]),
              reserved: microsToUsd(reserved),
              remaining: limit === null ? null : microsToUsd(limit > used ? limit - used : 0n),
              resetsAt: resetsAt[window] === null ? null : new Date(resetsAt[window]),
            },
          ];
        }),
      ) as Record<BudgetWindow, WindowUsage>;
      return {
        windows,
        requests: { limit: limits.rpm ?? null, usedLastMinute: rpmUsed },
        concurrency: { limit: limits.concurrentSessions ?? null, inFlight: live.size },
      };
    },
  };
}
