import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { UsageRecordEntity } from './usage-record.entity';

/** The only code that writes the ledger. */
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
    const result = await this.records
      .createQueryBuilder()
      .insert()
      .values({
        ...payload,
        inputTokens: String(payload.inputTokens),
        outputTokens: String(payload.outputTokens),
        cacheWrite5mTokens: String(payload.cacheWrite5mTokens),
        cacheWrite1hTokens: String(payload.cacheWrite1hTokens),
        cacheReadTokens: String(payload.cacheReadTokens),
        reasoningTokens: String(payload.reasoningTokens),
        createdAt: new Date(payload.createdAt),
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    return result.raw instanceof Array && result.raw.length > 0;
  }

  countByRequestIds(requestIds: string[]): Promise<number> {
    return this.records
      .createQueryBuilder('r')
      .where('r.request_id = ANY(:ids)', { ids: requestIds })
      .getCount();
  }
}
