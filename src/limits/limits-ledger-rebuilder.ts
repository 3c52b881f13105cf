import Decimal from 'decimal.js';
import type { DataSource } from 'typeorm';
import {
  BaselineWindows,
  LimitsBaseline,
  LimitsBaselineSource,
  LimitScopeKind,
  LimitScopeRef,
} from './limits.types';
import { usdToMicros } from './usd-micros';

/** Runs one parameterised SQL query; `DataSource.query` fits. */
export type LedgerQuery = (sql: string, parameters: unknown[]) => Promise<unknown>;

const SCOPE_COLUMN: Record<LimitScopeKind, string> = {
  user: 'user_id',
  key: 'api_key_id',
  provider: 'provider_id',
};

/**
 * One grouped query per scope: rows of the rolling window grouped by bucket, older rows by which
 * calendar windows they fall in. At most (buckets + 8) small rows; served by the
 * `(scope column, created_at)` indexes for the windows and a scan of the scope's rows for the
 * total (once per scope and baseline TTL).
 */
function baselineSql(column: string): string {
  return `
    SELECT
      CASE WHEN created_at >= $2 THEN floor(extract(epoch FROM created_at) * 1000 / $3)::bigint END
        AS bucket,
      created_at >= $4 AS in_day,
      created_at >= $5 AS in_week,
      created_at >= $6 AS in_month,
      COALESCE(SUM(cost_usd), 0)::text AS cost
    FROM usage_records
    WHERE ${column} = $1 AND cost_usd IS NOT NULL
    GROUP BY 1, 2, 3, 4`;
}

interface BaselineRow {
  bucket: string | number | null;
  in_day: boolean;
  in_week: boolean;
  in_month: boolean;
  cost: string;
}

function isBaselineRow(row: unknown): row is BaselineRow {
  return (
    typeof row === 'object' &&
    row !== null &&
    'cost' in row &&
    typeof row.cost === 'string' &&
    'in_day' in row &&
    typeof row.in_day === 'boolean'
  );
}

/**
 * The ledger (`usage_records`, the source of truth) as the baseline of a scope's counters:
 * called by the engine when a scope's baseline marker is missing in Redis (first touch, expiry
 * after 35 idle days, or a Redis that lost its data). The engine writes the result with the
 * marker in one SET NX script, so concurrent gateways agree on one baseline.
 *
 * Rows are attributed by `created_at` (the request's start), as settlement does. Sums are exact
 * decimals until the final rounding to micro-dollars (half-up) per window and bucket.
 */
export class LimitsLedgerRebuilder implements LimitsBaselineSource {
  private readonly query: LedgerQuery;

  constructor(source: DataSource | LedgerQuery) {
    this.query =
      typeof source === 'function'
        ? source
        : (sql, parameters) => source.query<unknown>(sql, parameters);
  }

  async load(scope: LimitScopeRef, windows: BaselineWindows): Promise<LimitsBaseline> {
    const rows = await this.query(baselineSql(SCOPE_COLUMN[scope.kind]), [
      scope.id,
      new Date(windows.rollingOldestBucket * windows.rollingBucketMs).toISOString(),
      windows.rollingBucketMs,
      new Date(windows.dailyStart).toISOString(),
      new Date(windows.weeklyStart).toISOString(),
      new Date(windows.monthlyStart).toISOString(),
    ]);
    if (!Array.isArray(rows)) throw new Error('LimitsLedgerRebuilder: unexpected query result');
    const sums = { daily: new Decimal(0), weekly: new Decimal(0), monthly: new Decimal(0) };
    let total = new Decimal(0);
    const buckets = new Map<number, Decimal>();
    for (const row of rows as unknown[]) {
      if (!isBaselineRow(row)) throw new Error('LimitsLedgerRebuilder: unexpected row');
      const cost = new Decimal(row.cost);
      total = total.plus(cost);
      if (row.in_day) sums.daily = sums.daily.plus(cost);
      if (row.in_week) sums.weekly = sums.weekly.plus(cost);
      if (row.in_month) sums.monthly = sums.monthly.plus(cost);
      if (row.bucket !== null) {
        const bucket = Number(row.bucket);
        buckets.set(bucket, (buckets.get(bucket) ?? new Decimal(0)).plus(cost));
      }
    }
    const micros = (value: Decimal) => usdToMicros(Decimal.max(value, 0).toFixed(), 'half-up');
    return {
      rollingBuckets: new Map([...buckets].map(([bucket, sum]) => [bucket, micros(sum)])),
      daily: micros(sums.daily),
      weekly: micros(sums.weekly),
      monthly: micros(sums.monthly),
      total: micros(total),
    };
  }
}
