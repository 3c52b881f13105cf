import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { LedgerWriteCoalescer } from '../billing/ledger-write-coalescer';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { unavailableDependency } from '../common/errors/dependency-unavailable';
import { reportDegradation, reportRecovery } from '../metrics/degradation';
import { RecordUsageBatchPayload, RecordUsagePayload } from './job-payloads';
import { JobName, QueueName } from './queue-names';

/** While Postgres is unreachable, a usage job is tried again this often. */
export const LEDGER_DOWN_RETRY_MS = 5_000;

/**
 * Writes usage records to the ledger; duplicates (retries, replays) are ignored by request id.
 * Gateways enqueue batches; the batches of the jobs running at the same time go as one COPY
 * (`LedgerWriteCoalescer`). Single-record jobs still run.
 * A job Redis marked active whose worker never got it (Redis died between the two) is found by
 * the stalled-job check and run again: every 5 s rather than BullMQ's 30, since these jobs are
 * short and the ledger should not lag a minute behind a Redis restart.
 *
 * Postgres being unreachable is not the job's fault: instead of spending one of its attempts
 * (eight exponential back-offs are over in about a minute, after which the record would sit in
 * the failed set), the job is delayed and tried again every 5 s for as long as the outage lasts.
 */
@Processor(QueueName.UsageRecords, { concurrency: 16, stalledInterval: 5_000 })
export class RecordUsageProcessor extends WorkerHost {
  /** The batches of jobs running side by side go to the ledger as one COPY. */
  private readonly batches: LedgerWriteCoalescer;

  constructor(private readonly ledger: UsageRecordsRepository) {
    super();
    this.batches = new LedgerWriteCoalescer(ledger);
  }

  async process(
    job: Job<RecordUsagePayload | RecordUsageBatchPayload>,
    token?: string,
  ): Promise<{ inserted: boolean } | { inserted: number }> {
    try {
      const inserted =
        job.name === String(JobName.RecordUsageBatch) && 'records' in job.data
          ? await this.batches.write(job.data.records)
          : await this.ledger.insertOnce(job.data as RecordUsagePayload);
      reportRecovery('usage_queue', 'postgres');
      return { inserted };
    } catch (error: unknown) {
      if (unavailableDependency(error) !== 'postgres') throw error;
      reportDegradation(
        'usage_queue',
        'fallback',
        'postgres',
        `usage jobs wait in the queue, retried every ${LEDGER_DOWN_RETRY_MS} ms without using their attempts`,
        error,
      );
      await job.moveToDelayed(Date.now() + LEDGER_DOWN_RETRY_MS, token);
      throw new DelayedError();
    }
  }
}
