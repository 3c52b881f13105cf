import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { LedgerBatch } from '../billing/ledger-batch';
import { RecordUsageCopyPayload } from './job-payloads';
import { LedgerJobs, USAGE_WORKER_OPTIONS } from './ledger-jobs';
import { QueueName } from './queue-names';

/**
 * Writes the usage jobs gateways enqueue: records as `COPY` text, handed to Postgres as they came
 * (joined with those of the jobs running beside them). Same worker options and retry policy as
 * RecordUsageProcessor (LedgerJobs).
 */
@Processor(QueueName.UsageLedger, USAGE_WORKER_OPTIONS)
export class LedgerCopyProcessor extends WorkerHost {
  constructor(private readonly ledger: LedgerJobs) {
    super();
  }

  async process(job: Job<unknown>, token?: string): Promise<{ inserted: number }> {
    const { data } = job;
    // Retrying a job that carries no records would never succeed: straight to the failed set.
    if (!isCopyPayload(data)) throw new UnrecoverableError('not a usage COPY job');
    const batch = LedgerBatch.ofCopyText(data.columns, data.text, data.count);
    return { inserted: await this.ledger.writeBatch(job, token, batch) };
  }
}

function isCopyPayload(data: unknown): data is RecordUsageCopyPayload {
  if (typeof data !== 'object' || data === null) return false;
  const { columns, count, text } = data as Partial<Record<keyof RecordUsageCopyPayload, unknown>>;
  return (
    Array.isArray(columns) &&
    columns.every((column) => typeof column === 'string') &&
    typeof count === 'number' &&
    typeof text === 'string'
  );
}
