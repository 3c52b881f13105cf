import { JobsOptions } from 'bullmq';
import { JobName } from './queue-names';

/** Retry and retention policy per job, in one place. */
export function jobOptions(name: JobName, jobId?: string): JobsOptions {
  switch (name) {
    case JobName.RecordUsage:
    case JobName.RecordUsageBatch:
      return {
        // BullMQ drops a duplicate jobId while the job is stored; the unique request_id is the
        // real guarantee once it has been removed.
        jobId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 3600, count: 10_000 },
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
