import type { Limits } from '../common/limits/limits';

export type LimitScopeKind = 'user' | 'key' | 'provider';

/** The budget windows, in the order the engine checks them. */
export const BUDGET_WINDOWS = ['5h', 'daily', 'weekly', 'monthly', 'total'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

/** Which `Limits` field caps which window. */
export const WINDOW_LIMIT_FIELD: Record<BudgetWindow, keyof Limits> = {
  '5h': 'usd5h',
  daily: 'usdDaily',
  weekly: 'usdWeekly',
  monthly: 'usdMonthly',
  total: 'usdTotal',
};

export interface LimitScopeRef {
  kind: LimitScopeKind;
  id: string;
}

export interface LimitScope extends LimitScopeRef {
  limits: Limits;
}

export interface AdmitRequest {
  /** Unique per request; the reservation and its settlement are keyed by it. */
  requestId: string;
  /** All-or-nothing: admitted only if every scope admits. Usually user, key and provider. */
  scopes: readonly LimitScope[];
  /** Worst-case cost of the request as a decimal USD string (rounded up to the micro-dollar). */
  reserveUsd: string;
  /**
   * Start of the request (ms). Its spend is charged to the windows containing this instant, as
   * the ledger's `created_at` is the request's start. Default: the engine's clock.
   */
  now?: number;
}

/** Held from admission to settlement; plain data, safe to keep on the request context. */
export interface LimitsReservation {
  requestId: string;
  /** The admission instant (ms); the windows charged at settlement are the ones containing it. */
  admittedAt: number;
  scopes: LimitScopeRef[];
  /** The reserved amount, in micro-dollars (integer string). */
  reservedMicros: string;
  /** Admitted without Redis (fail-open): no slot or reservation is held. */
  degraded: boolean;
}

/** Header name → value, for the caller to send with the response or the 429. */
export type RateLimitHeaders = Record<string, string>;

export type AdmitRefusalKind = 'rate' | 'concurrency' | 'budget';

export type AdmitResult =
  | {
      ok: true;
      reservation: LimitsReservation;
      headers: RateLimitHeaders;
      /**
       * How many more requests of the same reservation every scope had room for right after this
       * one was admitted (`Number.MAX_SAFE_INTEGER` when nothing caps them; 0 when unknown, as
       * for a fail-open admission).
       */
      headroom: number;
    }
  | {
      ok: false;
      kind: AdmitRefusalKind;
      scope: LimitScopeKind;
      scopeId: string;
      /** For budget refusals. */
      window?: BudgetWindow;
      /** When trying again can succeed; null when unknown (concurrency) or never (total). */
      retryAfterSeconds: number | null;
      headers: RateLimitHeaders;
    }
  | {
      /** Redis (or the ledger, for a first touch) unavailable and the engine fails closed. */
      ok: false;
      kind: 'unavailable';
      retryAfterSeconds: number | null;
      headers: RateLimitHeaders;
    };

export interface SettleOptions {
  /**
   * The provider that finally served the request, when it differs from the reservation's
   * provider scope (failover) or none was reserved: its windows are charged instead. `null`
   * charges no provider.
   */
  providerId?: string | null;
}

export interface WindowUsage {
  /** Decimal USD strings; `limit` and `remaining` are null without a limit. */
  limit: string | null;
  spent: string;
  reserved: string;
  remaining: string | null;
  /**
   * Calendar windows: the next reset. 5h: when the oldest spend in the window slides out (null
   * if none). Total: null.
   */
  resetsAt: Date | null;
}

export interface LimitsUsage {
  windows: Record<BudgetWindow, WindowUsage>;
  requests: { limit: number | null; usedLastMinute: number };
  concurrency: { limit: number | null; inFlight: number };
}

export type LimitsOperation = 'admit' | 'settle' | 'exhaustedProviders' | 'windowUsage' | 'rebuild';

/** Spend of one scope in the current windows, from the ledger, in micro-dollars. */
export interface LimitsBaseline {
  /** Rolling-window bucket index (`floor(ms / rollingBucketMs)`) → micro-dollars. */
  rollingBuckets: Map<number, bigint>;
  daily: bigint;
  weekly: bigint;
  monthly: bigint;
  total: bigint;
}

/** Nothing spent: the baseline of a scope when no ledger is wired in. */
/** `kind:id`: a scope's identity, e.g. to tell scopes apart within a batch. */
export function scopeId(scope: LimitScopeRef): string {
  return `${scope.kind}:${scope.id}`;
}

export function zeroBaseline(): LimitsBaseline {
  return { rollingBuckets: new Map(), daily: 0n, weekly: 0n, monthly: 0n, total: 0n };
}

/** The instants (ms) the ledger sums are split at, for one admission instant. */
export interface BaselineWindows {
  now: number;
  rollingBucketMs: number;
  /** First bucket index inside the rolling window. */
  rollingOldestBucket: number;
  dailyStart: number;
  weeklyStart: number;
  monthlyStart: number;
}

/** Computes a scope's baseline from the source of truth (the ledger). */
export interface LimitsBaselineSource {
  load(scope: LimitScopeRef, windows: BaselineWindows): Promise<LimitsBaseline>;
}
