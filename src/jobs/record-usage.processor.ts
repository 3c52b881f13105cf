import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { RecordUsageBatchPayload, RecordUsagePayload } from './job-payloads';
import { LedgerJobs, USAGE_WORKER_OPTIONS } from './ledger-jobs';
import { JobName, QueueName } from './queue-names';

/**
 * Drains the usage jobs of releases before the `COPY` text (records as objects, one per job or
 * in batches) so that none is lost in a rolling upgrade; current gateways enqueue on
 * QueueName.UsageLedger (LedgerCopyProcessor). Both write through the same LedgerJobs.
 */
@Processor(QueueName.UsageRecords, USAGE_WORKER_OPTIONS)
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
