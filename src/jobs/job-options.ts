import { JobsOptions } from 'bullmq';
import { JobName } from './queue-names';

/** Completed usage jobs kept in Redis; older ones are deleted as new ones complete. */
export const COMPLETED_USAGE_JOBS_KEPT = 100;

/** Retry and retention policy per job, in one place. */
export function jobOptions(name: JobName, jobId?: string): JobsOptions {
  switch (name) {
    case JobName.RecordUsage:
    case JobName.RecordUsageBatch:
    case JobName.RecordUsageCopy:
      return {
        // BullMQ drops a duplicate jobId while the job is stored; the unique request_id is the
        // real guarantee once it has been removed.
        jobId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        // Once written, a batch lives on as ledger rows; the job (every record again, ~1 KB
        // each) is kept only for a look at the last few. Keeping 10,000 held 339 MB of Redis
        // after two minutes at ~3,000 requests/s, and up to 2 GB with full 200-record batches.
        removeOnComplete: { count: COMPLETED_USAGE_JOBS_KEPT },
        removeOnFail: { age: 7 * 24 * 3600 },
      };
    case JobName.ProviderHealthSweep:
      return {
        attempts: 1,
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      };
  }
}
