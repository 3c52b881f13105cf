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
    const result = await this.records
      .createQueryBuilder()
      .insert()
      .values(payloads.map(rowOf))
      .orIgnore()
      .returning(['id'])
      .execute();
    return result.raw instanceof Array ? result.raw.length : 0;
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

function rowOf(payload: RecordUsagePayload): Partial<UsageRecordEntity> {
  return {
    ...payload,
    inputTokens: String(payload.inputTokens),
    outputTokens: String(payload.outputTokens),
    cacheWrite5mTokens: String(payload.cacheWrite5mTokens),
    cacheWrite1hTokens: String(payload.cacheWrite1hTokens),
    cacheReadTokens: String(payload.cacheReadTokens),
    reasoningTokens: String(payload.reasoningTokens),
    createdAt: new Date(payload.createdAt),
  };
}
