import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { LedgerRecords } from '../billing/ledger-batch';
import { LedgerWriteCoalescer } from '../billing/ledger-write-coalescer';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { unavailableDependency } from '../common/errors/dependency-unavailable';
import { reportDegradation, reportRecovery } from '../metrics/degradation';
import { RecordUsagePayload } from './job-payloads';

/**
 * BullMQ worker options of both usage queues. A job Redis marked active whose worker never got it
 * (Redis died between the two) is found by the stalled-job check and run again: every 5 s rather
 * than BullMQ's 30, since these jobs are short and the ledger should not lag a minute behind a
 * Redis restart.
 */
export const USAGE_WORKER_OPTIONS = { concurrency: 16, stalledInterval: 5_000 };

/** While Postgres is unreachable, a usage job is tried again this often. */
export const LEDGER_DOWN_RETRY_MS = 5_000;

/**
 * What every usage job does, whichever queue and shape it came in: its records go to the ledger
 * through one coalescer, so the batches of the jobs running at the same time in this process go
 * as one `COPY` (`LedgerWriteCoalescer`), and duplicates (retries, replays) are skipped.
 *
 * Postgres being unreachable is not the job's fault: instead of spending one of its attempts
 * (eight exponential back-offs are over in about a minute, after which the record would sit in
 * the failed set), the job is delayed and tried again every 5 s for as long as the outage lasts.
 */
@Injectable()
export class LedgerJobs {
  private readonly batches: LedgerWriteCoalescer;

  constructor(private readonly ledger: UsageRecordsRepository) {
    this.batches = new LedgerWriteCoalescer(ledger);
  }

  /** Writes a batch job's records; resolves with how many were new to the ledger. */
  writeBatch(job: Job, token: string | undefined, records: LedgerRecords): Promise<number> {
    return this.run(job, token, () => this.batches.write(records));
  }

  /** Writes one record on its own (jobs of releases before batches). */
  writeOne(job: Job, token: string | undefined, record: RecordUsagePayload): Promise<boolean> {
    return this.run(job, token, () => this.ledger.insertOnce(record));
  }

  private async run<T>(job: Job, token: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      const result = await write();
      reportRecovery('usage_queue', 'postgres');
      return result;
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
