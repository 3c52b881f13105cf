import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Client } from 'pg';
import {
  LEDGER_COPY_COLUMNS,
  ledgerCopyPayload,
  ledgerCopyText,
} from '../../src/billing/ledger-copy';
import { jobOptions } from '../../src/jobs/job-options';
import { RecordUsagePayload } from '../../src/jobs/job-payloads';
import { JobName, QueueName } from '../../src/jobs/queue-names';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { usagePayload } from '../support/usage-payload';

/** Usage jobs as gateways enqueue them: records as `COPY` text on the usage-ledger queue. */
describe('usage COPY jobs', () => {
  let ctx: TestApp;
  let db: Client;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin,worker' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    queue = ctx.app.get<Queue>(getQueueToken(QueueName.UsageLedger));
    const url = new URL(TEST_ENV.REDIS_URL);
    events = new QueueEvents(QueueName.UsageLedger, {
      prefix: 'cch',
      connection: { host: url.hostname, port: Number(url.port), db: Number(url.pathname.slice(1)) },
    });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events.close();
    await db.end();
    await ctx.close();
  });

  async function run(data: unknown, id: string): Promise<unknown> {
    const job = await queue.add(
      JobName.RecordUsageCopy,
      data,
      jobOptions(JobName.RecordUsageCopy, `copy-${id}`),
    );
    return job.waitUntilFinished(events, 10_000);
  }

  async function rowsOf(records: RecordUsagePayload[]): Promise<Record<string, unknown>[]> {
    const rows = await db.query<Record<string, unknown>>(
      'SELECT * FROM usage_records WHERE request_id = ANY($1) ORDER BY created_at',
      [records.map((record) => record.requestId)],
    );
    return rows.rows;
  }

  it('should write each line as a ledger row holding the fields the gateway recorded', async () => {
    const attemptLog = [
      { providerId: 'p-1', providerType: 'anthropic', outcome: 'http_502', httpStatus: 502, ms: 7 },
    ];
    const records = [
      usagePayload({ createdAt: '2026-11-28T10:00:00.001Z', attemptLog, attempts: 2 }),
      usagePayload({
        createdAt: '2026-11-28T10:00:00.002Z',
        stream: false,
        sessionId: null,
        requestedModel: 'a\tmodel\\with\nodd bytes',
        costUsd: null,
      }),
    ];
    expect(await run(ledgerCopyPayload(records), records[0].requestId)).toEqual({ inserted: 2 });
    const [first, second] = await rowsOf(records);
    expect(first).toMatchObject({
      request_id: records[0].requestId,
      user_id: records[0].userId,
      attempts: 2,
      attempt_log: attemptLog,
      cost_usd: '0.0012345678',
      input_tokens: '12',
      stream: true,
    });
    expect(second).toMatchObject({
      stream: false,
      session_id: null,
      requested_model: 'a\tmodel\\with\nodd bytes',
      cost_usd: null,
      attempt_log: null,
    });
    expect((second?.created_at as Date).toISOString()).toBe(records[1].createdAt);
  });

  it('should skip the request ids the ledger already holds, as a retried job repeats them', async () => {
    const written = usagePayload();
    expect(await run(ledgerCopyPayload([written]), written.requestId)).toEqual({ inserted: 1 });
    const fresh = [usagePayload(), usagePayload()];
    const retried = [fresh[0], written, fresh[1]];
    expect(await run(ledgerCopyPayload(retried), `${fresh[0].requestId}-retried`)).toEqual({
      inserted: 2,
    });
    expect(await rowsOf(retried)).toHaveLength(3);
  });

  it('should write lines whose columns come in another order, unknown ones dropped, as another release wrote them', async () => {
    const record = usagePayload({ stream: false, outputTokens: 99 });
    // Another release: the columns reversed, one this release does not know, and no attempt log.
    const columns = [...LEDGER_COPY_COLUMNS, 'future_column']
      .filter((column) => column !== 'attempt_log')
      .reverse();
    const own = ledgerCopyText([record]).slice(0, -1).split('\t');
    const byColumn = new Map(LEDGER_COPY_COLUMNS.map((column, index) => [column, own[index]]));
    const line = columns.map((column) => byColumn.get(column) ?? 'from-the-future').join('\t');
    const data = { columns, count: 1, text: `${line}\n` };
    expect(await run(data, record.requestId)).toEqual({ inserted: 1 });
    expect(await rowsOf([record])).toEqual([
      expect.objectContaining({
        request_id: record.requestId,
        output_tokens: '99',
        stream: false,
        attempt_log: null,
      }),
    ]);
  });

  it('should fail a job that carries no COPY text at once, without retrying it', async () => {
    const job = await queue.add(
      JobName.RecordUsageCopy,
      { records: [usagePayload()] },
      jobOptions(JobName.RecordUsageCopy, `copy-malformed-${Date.now()}`),
    );
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('not a usage COPY job');
    const failed = await Job.fromId(queue, String(job.id));
    expect(failed?.attemptsMade).toBe(1);
    expect(await failed?.getState()).toBe('failed');
  });
});
