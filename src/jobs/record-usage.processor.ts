import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { RecordUsagePayload } from './job-payloads';
import { QueueName } from './queue-names';

/**
 * Writes usage records to the ledger; duplicates (retries, replays) are ignored by request id.
 * A job Redis marked active whose worker never got it (Redis died between the two) is found by
 * the stalled-job check and run again: every 5 s rather than BullMQ's 30, since these jobs are
 * short and the ledger should not lag a minute behind a Redis restart.
 */
@Processor(QueueName.UsageRecords, { concurrency: 16, stalledInterval: 5_000 })
export class RecordUsageProcessor extends WorkerHost {
  constructor(private readonly ledger: UsageRecordsRepository) {
    super();
  }

  async process(job: Job<RecordUsagePayload>): Promise<{ inserted: boolean }> {
    return { inserted: await this.ledger.insertOnce(job.data) };
  }
}
