import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { RecordUsagePayload } from './job-payloads';
import { QueueName } from './queue-names';

/** Writes usage records to the ledger; duplicates (retries, replays) are ignored by request id. */
@Processor(QueueName.UsageRecords, { concurrency: 16 })
export class RecordUsageProcessor extends WorkerHost {
  constructor(private readonly ledger: UsageRecordsRepository) {
    super();
  }

  async process(job: Job<RecordUsagePayload>): Promise<{ inserted: boolean }> {
    return { inserted: await this.ledger.insertOnce(job.data) };
  }
}
