import type Redis from 'ioredis';
import type { Limits } from '../common/limits/limits';
import { windowLimitMicros } from './limit-headers';
import { BUDGET_WINDOWS, BudgetWindow, LimitScope, LimitsUsage, WindowUsage } from './limits.types';
import { microsToUsd, replyMicros } from './usd-micros';

export interface ScopeReadKeys {
  base: string;
  rpm: string;
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

type PipelineReplies = [Error | null, unknown][];

function repliesOf(replies: PipelineReplies | null): unknown[] {
  return (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
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

/** Spend of many providers in one pipelined round trip. */
export async function readProviderSpend(
  redis: Redis,
  scopes: readonly LimitScope[],
  keysOf: (scope: LimitScope) => ScopeReadKeys,
  oldestBucket: number,
): Promise<ScopeSpend[]> {
  const pipeline = redis.pipeline();
  for (const scope of scopes) {
    const keys = keysOf(scope);
    pipeline.exists(keys.base).hgetall(keys.roll).mget(keys.day, keys.week, keys.month, keys.total);
  }
  const replies = repliesOf(await pipeline.exec());
  return scopes.map((_, index) => {
    const [marked, roll, calendar] = replies.slice(index * 3, index * 3 + 3);
    return spendOf(marked, roll, Array.isArray(calendar) ? calendar : [], oldestBucket);
  });
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
  const replies = repliesOf(
    await redis
      .pipeline()
      .exists(keys.base)
      .hgetall(keys.roll)
      .mget(keys.day, keys.week, keys.month, keys.total)
      .zcount(keys.rpm, `(${now - 60_000}`, '+inf')
      .zrangebyscore(keys.inflight, `(${now}`, '+inf')
      .hgetall(keys.resv)
      .exec(),
  );
  const [marked, roll, calendar, rpmUsed, inflight, resv] = replies;
  const spend = spendOf(marked, roll, Array.isArray(calendar) ? calendar : [], oldestBucket);
  const live = new Set(Array.isArray(inflight) ? inflight.map(String) : []);
  let reserved = 0n;
  for (const [field, value] of hashEntries(resv)) {
    if (field.startsWith('r:') && live.has(field.slice(2))) reserved += replyMicros(value);
  }
  return {
    ...spend,
    rpmUsed: Number(rpmUsed) || 0,
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
        requests: { limit: limits.rpm ?? null, usedLastMinute: Number(rpmUsed) || 0 },
        concurrency: { limit: limits.concurrentSessions ?? null, inFlight: live.size },
      };
    },
  };
}
