import { boundedMemo } from '../common/cache/bounded-memo';
import type { Limits } from '../common/limits/limits';
import {
  BUDGET_WINDOWS,
  BudgetWindow,
  LimitScope,
  RateLimitHeaders,
  WINDOW_LIMIT_FIELD,
} from './limits.types';
import { microsToUsd, usdToMicros } from './usd-micros';

/** What the admission script saw of one scope, with this request counted in. */
export interface ScopeSnapshot {
  scope: LimitScope;
  rpmCount: number;
  /** Admission time (ms) of the oldest request in the 60 s window; -1 if none. */
  rpmOldest: number;
  inflight: number;
  reserved: bigint;
  spent: Record<BudgetWindow, bigint>;
  /** When each budget window resets (ms); null when it does not (total) or nothing is spent. */
  resetsAt: Record<BudgetWindow, number | null>;
}

/**
 * Limits already converted, by their text. A request reads each of its scopes' limits several
 * times (script arguments, headroom, headers) and they rarely change; the cap only bounds memory
 * should an operator churn through many distinct amounts.
 */
const limitMicros = boundedMemo((usd) => usdToMicros(usd, 'down'), 10_000);

/** A limit in micro-dollars (rounded down), or null when the scope has none for the window. */
export function windowLimitMicros(limits: Limits, window: BudgetWindow): bigint | null {
  const value = limits[WINDOW_LIMIT_FIELD[window]];
  return typeof value === 'string' ? limitMicros(value) : null;
}

/**
 * How many more requests reserving `reserve` micro-dollars the scope has room for, by what the
 * admission script saw (this request counted in); `Number.MAX_SAFE_INTEGER` when nothing caps it.
 */
export function scopeHeadroom(snapshot: ScopeSnapshot, reserve: bigint): number {
  const { limits } = snapshot.scope;
  let room = Number.MAX_SAFE_INTEGER;
  if (typeof limits.rpm === 'number') room = Math.min(room, limits.rpm - snapshot.rpmCount);
  if (typeof limits.concurrentSessions === 'number') {
    room = Math.min(room, limits.concurrentSessions - snapshot.inflight);
  }
  for (const window of BUDGET_WINDOWS) {
    const limit = windowLimitMicros(limits, window);
    if (limit === null || reserve === 0n) continue;
    const left = limit - snapshot.spent[window] - snapshot.reserved;
    room = Math.min(room, Number(left > 0n ? left / reserve : 0n));
  }
  return Math.max(0, room);
}

/** Whole seconds, at least 1, in the `12s` form OpenAI uses for its reset headers. */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Rate-limit headers for the client, from its own scopes only (user and key; a provider's limits
 * are the operator's business). Where both scopes cap the same thing, the tighter one is shown:
 *   x-ratelimit-limit-requests / -remaining-requests / -reset-requests (time until the oldest
 *     counted request leaves the 60 s window, i.e. until one more request is available)
 *   x-ratelimit-limit-usd-<window> / -remaining-usd-<window> (spent and reserved deducted) and,
 *     for calendar windows, -reset-usd-<window>
 */
export function admittedHeaders(snapshots: readonly ScopeSnapshot[], now: number) {
  const headers: RateLimitHeaders = {};
  const own = snapshots.filter((snapshot) => snapshot.scope.kind !== 'provider');

  let tightestRequests: { limit: number; remaining: number; resetMs: number } | null = null;
  for (const snapshot of own) {
    const rpm = snapshot.scope.limits.rpm;
    if (typeof rpm !== 'number') continue;
    const remaining = Math.max(0, rpm - snapshot.rpmCount);
    if (tightestRequests === null || remaining < tightestRequests.remaining) {
      const resetMs = snapshot.rpmOldest >= 0 ? snapshot.rpmOldest + 60_000 - now : 0;
      tightestRequests = { limit: rpm, remaining, resetMs };
    }
  }
  if (tightestRequests) {
    headers['x-ratelimit-limit-requests'] = String(tightestRequests.limit);
    headers['x-ratelimit-remaining-requests'] = String(tightestRequests.remaining);
    headers['x-ratelimit-reset-requests'] = `${secondsUntil(tightestRequests.resetMs)}s`;
  }

  for (const window of BUDGET_WINDOWS) {
    let tightest: { limit: bigint; remaining: bigint; resetsAt: number | null } | null = null;
    for (const snapshot of own) {
      const limit = windowLimitMicros(snapshot.scope.limits, window);
      if (limit === null) continue;
      const used = snapshot.spent[window] + snapshot.reserved;
      const remaining = limit > used ? limit - used : 0n;
      if (tightest === null || remaining < tightest.remaining) {
        tightest = { limit, remaining, resetsAt: snapshot.resetsAt[window] };
      }
    }
    if (tightest) {
      const names = USD_HEADER_NAMES[window];
      headers[names.limit] = microsToUsd(tightest.limit);
      headers[names.remaining] = microsToUsd(tightest.remaining);
      if (tightest.resetsAt !== null && window !== '5h') {
        headers[names.reset] = `${secondsUntil(tightest.resetsAt - now)}s`;
      }
    }
  }
  return headers;
}

/** Each budget window's header names, made once rather than per request. */
const USD_HEADER_NAMES = Object.fromEntries(
  BUDGET_WINDOWS.map((window) => [
    window,
    {
      limit: `x-ratelimit-limit-usd-${window}`,
      remaining: `x-ratelimit-remaining-usd-${window}`,
      reset: `x-ratelimit-reset-usd-${window}`,
    },
  ]),
) as Record<BudgetWindow, { limit: string; remaining: string; reset: string }>;

/** Headers for a refusal: the limit that refused, nothing left of it, and `retry-after`. */
export function refusedHeaders(
  scope: LimitScope,
  kind: 'rate' | 'concurrency' | 'budget',
  window: BudgetWindow | undefined,
  retryAfterSeconds: number | null,
): RateLimitHeaders {
  const headers: RateLimitHeaders = {};
  if (retryAfterSeconds !== null) headers['retry-after'] = String(retryAfterSeconds);
  if (scope.kind === 'provider') return headers;
  if (kind === 'rate' && typeof scope.limits.rpm === 'number') {
    headers['x-ratelimit-limit-requests'] = String(scope.limits.rpm);
    headers['x-ratelimit-remaining-requests'] = '0';
    if (retryAfterSeconds !== null) {
      headers['x-ratelimit-reset-requests'] = `${retryAfterSeconds}s`;
    }
  } else if (kind === 'budget' && window) {
    const limit = windowLimitMicros(scope.limits, window);
    if (limit !== null) headers[`x-ratelimit-limit-usd-${window}`] = microsToUsd(limit);
  }
  return headers;
}
