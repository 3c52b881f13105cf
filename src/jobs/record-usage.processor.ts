import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { RecordUsageBatchPayload, RecordUsagePayload } from './job-payloads';
import { LedgerJobs } from './ledger-jobs';
import { JobName, QueueName } from './queue-names';

/**
 * Drains the usage jobs of releases before the `COPY` text (records as objects, one per job or
 * in batches) so that none is lost in a rolling upgrade; current gateways enqueue on
 * QueueName.UsageLedger (LedgerCopyProcessor). Both write through the same LedgerJobs.
 * A job Redis marked active whose worker never got it (Redis died between the two) is found by
 * the stalled-job check and run again: every 5 s rather than BullMQ's 30, since these jobs are
 * short and the ledger should not lag a minute behind a Redis restart.
 */
@Processor(QueueName.UsageRecords, { concurrency: 16, stalledInterval: 5_000 })
export class RecordUsageProcessor extends WorkerHost {
  constructor(private readonly ledger: LedgerJobs) {
    super();
  }

  async process(
    job: Job<RecordUsagePayload | RecordUsageBatchPayload>,
    token?: string,
  ): Promise<{ inserted: boolean } | { inserted: number }> {
    const inserted =
      job.name === String(JobName.RecordUsageBatch) && 'records' in job.data
        ? await this.ledger.writeBatch(job, token, job.data.records)
        : await this.ledger.writeOne(job, token, job.data as RecordUsagePayload);
    return { inserted };
  }
}
