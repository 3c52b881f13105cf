import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { RecordUsageBatchPayload, RecordUsagePayload } from './job-payloads';
import { JobName, QueueName } from './queue-names';

/**
 * Writes usage records to the ledger; duplicates (retries, replays) are ignored by request id.
 * Gateways enqueue batches (one multi-row insert each); single-record jobs still run.
 * A job Redis marked active whose worker never got it (Redis died between the two) is found by
 * the stalled-job check and run again: every 5 s rather than BullMQ's 30, since these jobs are
 * short and the ledger should not lag a minute behind a Redis restart.
 */
@Processor(QueueName.UsageRecords, { concurrency: 16, stalledInterval: 5_000 })
export class RecordUsageProcessor extends WorkerHost {
  constructor(private readonly ledger: UsageRecordsRepository) {
    super();
  }

  async process(
    job: Job<RecordUsagePayload | RecordUsageBatchPayload>,
  ): Promise<{ inserted: boolean } | { inserted: number }> {
    if (job.name === String(JobName.RecordUsageBatch) && 'records' in job.data) {
      return { inserted: await this.ledger.insertAll(job.data.records) };
    }
    return { inserted: await this.ledger.insertOnce(job.data as RecordUsagePayload) };
  }
}
