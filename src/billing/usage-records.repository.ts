import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { ClientBase } from 'pg';
import { Repository } from 'typeorm';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { LEDGER_COLUMNS } from './ledger-columns';
import { copyIn } from './copy-in-one-write';
import { COPY_LEDGER } from './ledger-copy';
import { LedgerBatch, LedgerRecords } from './ledger-batch';
import { UsageRecordEntity } from './usage-record.entity';

/** SQLSTATE of a unique index refusing a row: here, a request id the ledger already holds. */
const UNIQUE_VIOLATION = '23505';

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
   * Returns whether a row was written. (Used where a duplicate is likely, so never by COPY.)
   */
  async insertOnce(payload: RecordUsagePayload): Promise<boolean> {
    return (await this.insertSkippingDuplicates([payload])) > 0;
  }

  /**
   * Idempotent multi-row insert: rows whose request id is already in the ledger are skipped.
   * Returns how many rows were written. First tried as one COPY, the cheapest write Postgres has;
   * a batch that repeats a written request id (a retried job, a replay) makes COPY fail whole,
   * having written nothing, and goes again as an INSERT that skips duplicates.
   */
  async insertMany(records: LedgerRecords): Promise<number> {
    const batch = LedgerBatch.of(records);
    if (batch.count === 0) return 0;
    try {
      return await this.copyAll(batch);
    } catch (error: unknown) {
      if (!isUniqueViolation(error)) throw error;
      return this.insertSkippingDuplicates(batch.records());
    }
  }

  /**
   * One COPY of every record, all or nothing: a request id already in the ledger, or repeated
   * among the records, fails it whole (SQLSTATE 23505) with nothing written.
   */
  async copyAll(records: LedgerRecords): Promise<number> {
    const batch = LedgerBatch.of(records);
    const runner = this.records.manager.connection.createQueryRunner();
    try {
      const client: unknown = await runner.connect();
      if (!isPgClient(client)) throw new Error('the ledger is written through the pg driver');
      return await copyIn(client, COPY_LEDGER, Buffer.from(batch.copyText()));
    } finally {
      await runner.release();
    }
  }

  /** One INSERT … ON CONFLICT DO NOTHING for the whole batch. */
  private async insertSkippingDuplicates(payloads: readonly RecordUsagePayload[]): Promise<number> {
    // The batch travels as one JSON parameter that Postgres unpacks: the query builder spent
    // more CPU per row naming and escaping its 29 parameters than the database spent inserting.
    const rows: unknown = await this.records.query(INSERT_FROM_JSON, [JSON.stringify(payloads)]);
    return Array.isArray(rows) ? rows.length : 0;
  }

  /**
   * One statement for the whole batch; if it fails, row by row, so one bad record cannot hold
   * the others back. Throws while any row is still unwritten (the caller retries or spools).
   */
  async insertAll(records: LedgerRecords): Promise<number> {
    const batch = LedgerBatch.of(records);
    try {
      return await this.insertMany(batch);
    } catch (batchError: unknown) {
      if (batch.count === 1) throw batchError;
      let inserted = 0;
      let firstError: Error | null = null;
      for (const payload of batch.records()) {
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

/** Idempotent by request id (the unique index): a retried or replayed record is skipped. */
const INSERT_FROM_JSON = `INSERT INTO usage_records (${LEDGER_COLUMNS.map(([, column]) => column).join(', ')})
SELECT ${LEDGER_COLUMNS.map(([field]) => `r."${field}"`).join(', ')}
FROM jsonb_to_recordset($1::jsonb) AS r(${LEDGER_COLUMNS.map(([field, , type]) => `"${field}" ${type}`).join(', ')})
ON CONFLICT DO NOTHING
RETURNING id`;

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === UNIQUE_VIOLATION
  );
}

/** The connection TypeORM's Postgres driver hands out is a pg client. */
function isPgClient(value: unknown): value is ClientBase {
  return (
    typeof value === 'object' &&
    value !== null &&
    'query' in value &&
    typeof value.query === 'function'
  );
}
