import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { UsageRecordEntity } from './usage-record.entity';

export interface UsageFilter {
  userId?: string;
  keyId?: string;
  providerId?: string;
  model?: string;
  status?: string;
  from?: Date;
  to?: Date;
}

/** The only code that reads and writes the ledger. */
@Injectable()
export class UsageRecordsRepository {
  constructor(
    @InjectRepository(UsageRecordEntity) private readonly records: Repository<UsageRecordEntity>,
  ) {}

  /**
   * Idempotent insert: a retried job or a replayed spool line for the same request id is a no-op.
   * Returns whether a row was written.
   */
  async insertOnce(payload: RecordUsagePayload): Promise<boolean> {
    return (await this.insertMany([payload])) > 0;
  }

  /**
   * Idempotent multi-row insert (one statement): rows whose request id is already in the ledger
   * are skipped. Returns how many rows were written.
   */
  async insertMany(payloads: readonly RecordUsagePayload[]): Promise<number> {
    if (payloads.length === 0) return 0;
    // The batch travels as one JSON parameter that Postgres unpacks: the query builder spent
    // more CPU per row naming and escaping its 29 parameters than the database spent inserting.
    const rows: unknown = await this.records.query(INSERT_FROM_JSON, [JSON.stringify(payloads)]);
    return Array.isArray(rows) ? rows.length : 0;
  }

  /**
   * One statement for the whole batch; if it fails, row by row, so one bad record cannot hold
   * the others back. Throws while any row is still unwritten (the caller retries or spools).
   */
  async insertAll(payloads: readonly RecordUsagePayload[]): Promise<number> {
    try {
      return await this.insertMany(payloads);
    } catch (batchError: unknown) {
      if (payloads.length === 1) throw batchError;
      let inserted = 0;
      let firstError: Error | null = null;
      for (const payload of payloads) {
        try {
          if (await this.insertOnce(payload)) inserted += 1;
        } catch (error: unknown) {
          firstError ??= error instanceof Error ? error : new Error(String(error));
        }
      }
      if (firstError !== null) throw firstError;
      return inserted;
    }
  }

  findPage(
    filter: UsageFilter,
    skip: number,
    take: number,
  ): Promise<[UsageRecordEntity[], number]> {
    const query = this.records.createQueryBuilder('r');
    if (filter.userId) query.andWhere('r.user_id = :userId', { userId: filter.userId });
    if (filter.keyId) query.andWhere('r.api_key_id = :keyId', { keyId: filter.keyId });
    if (filter.providerId)
      query.andWhere('r.provider_id = :providerId', { providerId: filter.providerId });
    if (filter.model) {
      query.andWhere('(r.requested_model = :model OR r.upstream_model = :model)', {
        model: filter.model,
      });
    }
    if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
    if (filter.from) query.andWhere('r.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('r.created_at < :to', { to: filter.to });
    return query
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
  }

  countByRequestIds(requestIds: string[]): Promise<number> {
    return this.records
      .createQueryBuilder('r')
      .where('r.request_id = ANY(:ids)', { ids: requestIds })
      .getCount();
  }
}

/** Each payload field, its ledger column and the column's type: the record as Postgres reads it. */
export const LEDGER_COLUMNS: readonly (readonly [keyof RecordUsagePayload, string, string])[] = [
  ['requestId', 'request_id', 'varchar(64)'],
  ['userId', 'user_id', 'uuid'],
  ['apiKeyId', 'api_key_id', 'uuid'],
  ['providerId', 'provider_id', 'uuid'],
  ['clientProtocol', 'client_protocol', 'varchar(32)'],
  ['clientName', 'client_name', 'varchar(32)'],
  ['providerProtocol', 'provider_protocol', 'varchar(32)'],
  ['requestedModel', 'requested_model', 'varchar(200)'],
  ['upstreamModel', 'upstream_model', 'varchar(200)'],
  ['sessionId', 'session_id', 'varchar(200)'],
  ['stream', 'stream', 'boolean'],
  ['inputTokens', 'input_tokens', 'bigint'],
  ['outputTokens', 'output_tokens', 'bigint'],
  ['cacheWrite5mTokens', 'cache_write_5m_tokens', 'bigint'],
  ['cacheWrite1hTokens', 'cache_write_1h_tokens', 'bigint'],
  ['cacheReadTokens', 'cache_read_tokens', 'bigint'],
  ['reasoningTokens', 'reasoning_tokens', 'bigint'],
  ['costUsd', 'cost_usd', 'numeric(20,10)'],
  ['priceVersion', 'price_version', 'varchar(64)'],
  ['status', 'status', 'varchar(16)'],
  ['httpStatus', 'http_status', 'integer'],
  ['stopReason', 'stop_reason', 'varchar(64)'],
  ['errorClass', 'error_class', 'varchar(64)'],
  ['attempts', 'attempts', 'integer'],
  ['attemptLog', 'attempt_log', 'jsonb'],
  ['durationMs', 'duration_ms', 'integer'],
  ['ttfbMs', 'ttfb_ms', 'integer'],
  ['createdAt', 'created_at', 'timestamptz'],
];

/** Idempotent by request id (the unique index): a retried or replayed record is skipped. */
const INSERT_FROM_JSON = `INSERT INTO usage_records (${LEDGER_COLUMNS.map(([, column]) => column).join(', ')})
SELECT ${LEDGER_COLUMNS.map(([field]) => `r."${field}"`).join(', ')}
FROM jsonb_to_recordset($1::jsonb) AS r(${LEDGER_COLUMNS.map(([field, , type]) => `"${field}" ${type}`).join(', ')})
ON CONFLICT DO NOTHING
RETURNING id`;
