import { Job, Queue } from 'bullmq';
import { LedgerBatch } from '../../src/billing/ledger-batch';
import { UsageRecorder } from '../../src/billing/usage-recorder.service';
import { RecordUsageCopyPayload } from '../../src/jobs/job-payloads';
import { JobName, QueueName } from '../../src/jobs/queue-names';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { usagePayload } from '../support/usage-payload';

/**
 * USAGE_BATCH_WINDOW_MS: records of requests ending within the window share one BullMQ job.
 * The app runs without the worker role, so the jobs stay in the queue to be looked at.
 */
describe('usage record batching', () => {
  let queue: Queue;

  beforeAll(() => {
    const url = new URL(TEST_ENV.REDIS_URL);
    queue = new Queue(QueueName.UsageLedger, {
      prefix: 'cch',
      connection: { host: url.hostname, port: Number(url.port), db: Number(url.pathname.slice(1)) },
    });
  });

  afterAll(async () => {
    await queue.close();
  });

  async function batchJobsOf(requestIds: string[]): Promise<Job[]> {
    const jobs = await Promise.all(requestIds.map((id) => queue.getJob(`copy-${id}`)));
    return jobs.filter((job): job is Job => job !== undefined);
  }

  /** The request ids a job's `COPY` text carries, in order. */
  function requestIdsOf(job: Job | undefined): string[] {
    const data = job?.data as RecordUsageCopyPayload;
    expect(data.count).toBe(data.text.split('\n').length - 1);
    return LedgerBatch.ofCopyText(data.columns, data.text, data.count)
      .records()
      .map((record) => record.requestId);
  }

  async function recordThree(windowMs: string): Promise<{ jobs: Job[]; ids: string[] }> {
    const ctx: TestApp = await startTestApp({
      CCH_ROLES: 'gateway',
      USAGE_BATCH_WINDOW_MS: windowMs,
    });
    try {
      const recorder = ctx.app.get(UsageRecorder);
      const payloads = [usagePayload(), usagePayload(), usagePayload()];
      // Three requests ending one after another, 5 ms apart.
      const handed: Promise<string>[] = [];
      for (const payload of payloads) {
        handed.push(recorder.record(payload));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(await Promise.all(handed)).toEqual(['queue', 'queue', 'queue']);
      const ids = payloads.map((payload) => payload.requestId);
      return { jobs: await batchJobsOf(ids), ids };
    } finally {
      await ctx.close();
    }
  }

  it('should put records ending within the window into one job', async () => {
    const { jobs, ids } = await recordThree('200');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.name).toBe(JobName.RecordUsageCopy);
    expect(requestIdsOf(jobs[0])).toEqual(ids);
  });

  it('should give each record its own job when the window is 0', async () => {
    const { jobs, ids } = await recordThree('0');
    expect(jobs).toHaveLength(3);
    expect(jobs.map(requestIdsOf)).toEqual(ids.map((id) => [id]));
  });
});
