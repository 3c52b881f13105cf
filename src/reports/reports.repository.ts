import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { GroupBy } from './dto/report-query.dto';
import { ReportRange } from './report-range.service';

/** Aggregates as Postgres returns them: counts as int, token and cost sums as exact text. */
export interface SumsRow {
  requests: number;
  input_tokens: string;
  output_tokens: string;
  cache_write_5m_tokens: string;
  cache_write_1h_tokens: string;
  cache_read_tokens: string;
  reasoning_tokens: string;
  cost_usd: string;
  unpriced_requests: number;
}

export interface GroupRow extends SumsRow {
  is_total: number;
  [column: string]: string | number | null;
}

export interface DayModelRow extends SumsRow {
  is_total: number;
  day: string | null;
  upstream_model: string | null;
}

export interface SessionRow extends SumsRow {
  session_id: string | null;
  first_seen: Date;
  last_seen: Date;
}

export interface UnpricedRow extends Omit<SumsRow, 'cost_usd' | 'unpriced_requests'> {
  model: string | null;
  requested_models: string[];
  first_seen: Date;
  last_seen: Date;
}

export interface SpentRow {
  now_at: Date;
  h5_start: Date;
  day_start: Date;
  day_end: Date;
  week_start: Date;
  week_end: Date;
  month_start: Date;
  month_end: Date;
  user_5h: string;
  user_daily: string;
  user_weekly: string;
  user_monthly: string;
  user_total: string;
  key_5h: string;
  key_daily: string;
  key_weekly: string;
  key_monthly: string;
  key_total: string;
}

/** A row without a price that still carries usage: every success, and any row with tokens. */
export const UNPRICED_CONDITION =
  "cost_usd IS NULL AND (status = 'success' OR input_tokens + output_tokens + " +
  'cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens > 0)';

/** The sums of every report line. Money is summed as numeric and leaves Postgres as text. */
const SUMS = `
  count(*)::int AS requests,
  coalesce(sum(input_tokens), 0)::text AS input_tokens,
  coalesce(sum(output_tokens), 0)::text AS output_tokens,
  coalesce(sum(cache_write_5m_tokens), 0)::text AS cache_write_5m_tokens,
  coalesce(sum(cache_write_1h_tokens), 0)::text AS cache_write_1h_tokens,
  coalesce(sum(cache_read_tokens), 0)::text AS cache_read_tokens,
  coalesce(sum(reasoning_tokens), 0)::text AS reasoning_tokens,
  coalesce(sum(cost_usd), 0.0000000000)::text AS cost_usd,
  (count(*) FILTER (WHERE ${UNPRICED_CONDITION}))::int AS unpriced_requests`;

/** Group columns of each `groupBy` (all exposed by the `base` CTE), the first one being the id. */
export const GROUP_COLUMNS: Record<GroupBy, string[]> = {
  user: ['user_id', 'user_name'],
  key: ['api_key_id', 'key_name', 'key_prefix', 'user_id', 'user_name'],
  model: ['upstream_model'],
  provider: ['provider_id', 'provider_name'],
  client: ['client_name'],
  day: ['day'],
};

/** SQL with numbered parameters, built from fixed fragments only (never from input). */
class Sql {
  readonly params: unknown[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/**
 * The ledger rows of a range with the local day and the names of user, key and provider (LEFT
 * JOINs, soft-deleted rows included, so renamed or deleted owners still have a label).
 */
function baseCte(sql: Sql, range: ReportRange, userId?: string): string {
  const tz = sql.param(range.tz);
  const where: string[] = [];
  if (range.from) where.push(`r.created_at >= ${sql.param(range.from)}`);
  if (range.to) where.push(`r.created_at < ${sql.param(range.to)}`);
  if (userId) where.push(`r.user_id = ${sql.param(userId)}`);
  return `base AS (
    SELECT r.user_id::text AS user_id, r.api_key_id::text AS api_key_id,
      r.provider_id::text AS provider_id, r.upstream_model, r.requested_model, r.client_name,
      r.session_id, r.status, r.created_at, r.input_tokens, r.output_tokens,
      r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens, r.reasoning_tokens,
      r.cost_usd, to_char(r.created_at AT TIME ZONE ${tz}::text, 'YYYY-MM-DD') AS day,
      u.name AS user_name, k.name AS key_name, k.key_prefix AS key_prefix, p.name AS provider_name
    FROM usage_records r
    LEFT JOIN users u ON u.id = r.user_id
    LEFT JOIN api_keys k ON k.id = r.api_key_id
    LEFT JOIN providers p ON p.id = r.provider_id
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  )`;
}

/** Read-only aggregate queries over `usage_records` for the reports and `/api/me`. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The user, soft-deleted ones included: their ledger stays reportable. */
  findUser(id: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOne({ where: { id }, withDeleted: true });
  }

  /** One row per group plus the grand total (`is_total` = 1), from one scan in one snapshot. */
  costsBy(groupBy: GroupBy, range: ReportRange): Promise<GroupRow[]> {
    const sql = new Sql();
    const columns = GROUP_COLUMNS[groupBy];
    const id = columns[0] ?? 'user_id';
    const order =
      groupBy === 'day'
        ? 'day ASC'
        : `coalesce(sum(cost_usd), 0) DESC, count(*) DESC, ${id} ASC NULLS LAST`;
    const text = `WITH ${baseCte(sql, range)}
      SELECT GROUPING(${id}) AS is_total, ${columns.join(', ')}, ${SUMS}
      FROM base
      GROUP BY GROUPING SETS ((${columns.join(', ')}), ())
      ORDER BY is_total ASC, ${order}`;
    return this.db.query<GroupRow[]>(text, sql.params);
  }

  /** A user's cost by local day and model, and by session, read in one snapshot. */
  userDetail(
    userId: string,
    range: ReportRange,
  ): Promise<{ days: DayModelRow[]; sessions: SessionRow[] }> {
    return this.db.transaction('REPEATABLE READ', async (manager: EntityManager) => {
      const daySql = new Sql();
      const days = await manager.query<DayModelRow[]>(
        `WITH ${baseCte(daySql, range, userId)}
         SELECT GROUPING(day) AS is_total, day, upstream_model, ${SUMS}
         FROM base
         GROUP BY GROUPING SETS ((day, upstream_model), ())
         ORDER BY is_total ASC, day ASC, upstream_model ASC NULLS LAST`,
        daySql.params,
      );
      const sessionSql = new Sql();
      const sessions = await manager.query<SessionRow[]>(
        `WITH ${baseCte(sessionSql, range, userId)}
         SELECT session_id, min(created_at) AS first_seen, max(created_at) AS last_seen, ${SUMS}
         FROM base
         GROUP BY session_id
         ORDER BY first_seen ASC, session_id ASC NULLS LAST`,
        sessionSql.params,
      );
      return { days, sessions };
    });
  }

  /** Models with usage but no cost, by upstream model. */
  unpriced(range: ReportRange): Promise<UnpricedRow[]> {
    const sql = new Sql();
    const where = [UNPRICED_CONDITION];
    if (range.from) where.push(`created_at >= ${sql.param(range.from)}`);
    if (range.to) where.push(`created_at < ${sql.param(range.to)}`);
    return this.db.query<UnpricedRow[]>(
      `SELECT upstream_model AS model,
         array_agg(DISTINCT requested_model ORDER BY requested_model) AS requested_models,
         count(*)::int AS requests,
         sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
         sum(cache_write_5m_tokens)::text AS cache_write_5m_tokens,
         sum(cache_write_1h_tokens)::text AS cache_write_1h_tokens,
         sum(cache_read_tokens)::text AS cache_read_tokens,
         sum(reasoning_tokens)::text AS reasoning_tokens,
         min(created_at) AS first_seen, max(created_at) AS last_seen
       FROM usage_records
       WHERE ${where.join(' AND ')}
       GROUP BY upstream_model
       ORDER BY count(*) DESC, upstream_model ASC NULLS LAST`,
      sql.params,
    );
  }

  /**
   * Spend of a user (all keys) and of one key in each budget window: rolling 5 hours, the local
   * calendar day, ISO week (Monday) and month in `tz`, and all time. Windows and sums come from
   * one statement, so they agree with each other.
   */
  async spent(userId: string, keyId: string, tz: string): Promise<SpentRow> {
    const windowSum = (who: string, start: string | null): string => {
      const conditions = [who, start ? `r.created_at >= b.${start}` : null].filter(Boolean);
      return `coalesce(sum(r.cost_usd) FILTER (WHERE ${conditions.join(' AND ')}), 0.0000000000)::text`;
    };
    const sums = (prefix: string, who: string): string =>
      [
        `${windowSum(who, 'h5_start')} AS ${prefix}_5h`,
        `${windowSum(who, 'day_start')} AS ${prefix}_daily`,
        `${windowSum(who, 'week_start')} AS ${prefix}_weekly`,
        `${windowSum(who, 'month_start')} AS ${prefix}_monthly`,
        `${windowSum(who, null)} AS ${prefix}_total`,
      ].join(',\n');
    const rows = await this.db.query<SpentRow[]>(
      `WITH w AS (
         SELECT now() AS now_at,
           date_trunc('day', now() AT TIME ZONE $3::text) AS d,
           date_trunc('week', now() AT TIME ZONE $3::text) AS wk,
           date_trunc('month', now() AT TIME ZONE $3::text) AS m
       ), b AS (
         SELECT now_at, now_at - interval '5 hours' AS h5_start,
           d AT TIME ZONE $3::text AS day_start, (d + interval '1 day') AT TIME ZONE $3::text AS day_end,
           wk AT TIME ZONE $3::text AS week_start,
           (wk + interval '1 week') AT TIME ZONE $3::text AS week_end,
           m AT TIME ZONE $3::text AS month_start,
           (m + interval '1 month') AT TIME ZONE $3::text AS month_end
         FROM w
       )
       SELECT b.*, ${sums('user', 'TRUE')}, ${sums('key', 'r.api_key_id = $2')}
       FROM b LEFT JOIN usage_records r ON r.user_id = $1
       GROUP BY b.now_at, b.h5_start, b.day_start, b.day_end, b.week_start, b.week_end,
         b.month_start, b.month_end`,
      [userId, keyId, tz],
    );
    const row = rows[0];
    if (!row) throw new Error('budget query returned no row');
    return row;
  }
}
