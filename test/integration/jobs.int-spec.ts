import { getQueueToken } from '@nestjs/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Client } from 'pg';
import { LedgerBatch } from '../../src/billing/ledger-batch';
import { LedgerWriteCoalescer } from '../../src/billing/ledger-write-coalescer';
import { healthKey, ProviderHealthResult } from '../../src/health/provider-health.service';
import { COMPLETED_USAGE_JOBS_KEPT, jobOptions } from '../../src/jobs/job-options';
import { RecordUsagePayload } from '../../src/jobs/job-payloads';
import { JobName, QueueName } from '../../src/jobs/queue-names';
import { call } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { usagePayload } from '../support/usage-payload';
import { TEST_ENV } from '../support/test-env';

/** Connection options, not an instance: BullMQ closes only connections it created itself. */
function queueConnection(): { host: string; port: number; db: number; maxRetriesPerRequest: null } {
  const url = new URL(TEST_ENV.REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port),
    db: Number(url.pathname.slice(1)),
    maxRetriesPerRequest: null,
  };
}

/**
 * Resolves once every job id has completed, as seen on the queue's event stream. Listening starts
 * before the jobs are added, so no completion is missed.
 */
function completionsOf(events: QueueEvents, jobIds: string[], timeoutMs: number): Promise<void> {
  const pending = new Set(jobIds);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      events.off('completed', onCompleted);
      reject(new Error(`${pending.size} of ${jobIds.length} jobs did not complete`));
    }, timeoutMs);
    function onCompleted({ jobId }: { jobId: string }): void {
      pending.delete(jobId);
      if (pending.size > 0) return;
      clearTimeout(timer);
      events.off('completed', onCompleted);
      resolve();
    }
    events.on('completed', onCompleted);
  });
}

describe('background jobs', () => {
  let ctx: TestApp;
  let db: Client;
  let usageQueue: Queue;
  let healthQueue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin,worker' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    usageQueue = ctx.app.get<Queue>(getQueueToken(QueueName.UsageRecords));
    healthQueue = ctx.app.get<Queue>(getQueueToken(QueueName.ProviderHealth));
    events = new QueueEvents(QueueName.UsageRecords, {
      prefix: 'cch',
      connection: queueConnection(),
    });
    await events.waitUntilReady();
  });

  /** A single-record usage job, run to its end: what it returned. */
  async function writeAlone(record: RecordUsagePayload): Promise<unknown> {
    const job = await usageQueue.add(JobName.RecordUsage, record, {
      ...jobOptions(JobName.RecordUsage),
      jobId: `${record.requestId}-single`,
    });
    return job.waitUntilFinished(events, 10_000);
  }

  /** A batch job as a gateway enqueues it, named after its first record. */
  function batchJob(records: RecordUsagePayload[]): {
    name: JobName;
    data: { records: RecordUsagePayload[] };
    opts: ReturnType<typeof jobOptions>;
  } {
    const jobId = `batch-${records[0]?.requestId ?? ''}`;
    return {
      name: JobName.RecordUsageBatch,
      data: { records },
      opts: jobOptions(JobName.RecordUsageBatch, jobId),
    };
  }

  afterAll(async () => {
    await events.close();
    await db.end();
    await ctx.close();
  });

  describe('record-usage', () => {
    it('should write one ledger row per request id, however often the job runs', async () => {
      const payload = usagePayload();
      const first = await usageQueue.add(JobName.RecordUsage, payload, {
        ...jobOptions(JobName.RecordUsage),
        jobId: `${payload.requestId}-a`,
      });
      const second = await usageQueue.add(JobName.RecordUsage, payload, {
        ...jobOptions(JobName.RecordUsage),
        jobId: `${payload.requestId}-b`,
      });
      // The worker runs jobs concurrently, so either may win the insert; exactly one does.
      const results = await Promise.all([
        first.waitUntilFinished(events, 10_000),
        second.waitUntilFinished(events, 10_000),
      ]);
      expect(results).toHaveLength(2);
      expect(results).toEqual(expect.arrayContaining([{ inserted: true }, { inserted: false }]));

      const rows = await db.query('SELECT * FROM usage_records WHERE request_id = $1', [
        payload.requestId,
      ]);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({
        input_tokens: '12',
        output_tokens: '34',
        cache_write_5m_tokens: '5',
        cache_write_1h_tokens: '6',
        cache_read_tokens: '7',
        cost_usd: '0.0012345678',
        status: 'success',
        client_name: 'claude-code',
      });
      expect(new Date(rows.rows[0].created_at).toISOString()).toBe(payload.createdAt);
    });
  });

  describe('record-usage-batch', () => {
    it('should write every record of a batch once, in one job, skipping ones already written', async () => {
      const written = usagePayload();
      const fresh = [usagePayload(), usagePayload({ stream: false, sessionId: null })];
      expect(await writeAlone(written)).toEqual({ inserted: true });

      // The batch repeats the record already written and one of its own (a retried hand-over).
      const batch = await usageQueue.add(
        JobName.RecordUsageBatch,
        { records: [written, ...fresh, fresh[0]] },
        jobOptions(JobName.RecordUsageBatch, `batch-${written.requestId}`),
      );
      expect(await batch.waitUntilFinished(events, 10_000)).toEqual({ inserted: 2 });

      const ids = [written, ...fresh].map((record) => record.requestId);
      const rows = await db.query<{ request_id: string; stream: boolean }>(
        'SELECT request_id, stream FROM usage_records WHERE request_id = ANY($1)',
        [ids],
      );
      expect(rows.rows.map((row) => row.request_id).sort()).toEqual([...ids].sort());
      expect(rows.rows.find((row) => row.request_id === fresh[1]?.requestId)?.stream).toBe(false);
    });
  });

  describe('batches of jobs running side by side', () => {
    // The queue is shared with what earlier suites left in it (a stalled job is put back by this
    // worker), so this only checks that batch jobs go through the coalescer and are each told
    // their own count; how it groups them is tested in ledger-write.int-spec.
    it('should hand every batch to the ledger coalescer, each job told how many of its records were new', async () => {
      const written = usagePayload();
      expect(await writeAlone(written)).toEqual({ inserted: true });
      const handed = jest.spyOn(LedgerWriteCoalescer.prototype, 'write');
      try {
        const batches = [
          [usagePayload()],
          [usagePayload(), usagePayload()],
          [usagePayload(), written, usagePayload()],
          [usagePayload(), usagePayload(), usagePayload(), usagePayload()],
        ];
        const added = await usageQueue.addBulk(batches.map(batchJob));
        const results = await Promise.all(
          added.map((job) => job.waitUntilFinished(events, 15_000)),
        );
        expect(results).toEqual([
          { inserted: 1 },
          { inserted: 2 },
          { inserted: 2 },
          { inserted: 4 },
        ]);
        const handedIds = handed.mock.calls.map(([records]) =>
          LedgerBatch.of(records)
            .records()
            .map((record) => record.requestId)
            .join(),
        );
        for (const records of batches) {
          expect(handedIds).toContain(records.map((record) => record.requestId).join());
        }
        const ids = batches.flat().map((record) => record.requestId);
        const rows = await db.query('SELECT 1 FROM usage_records WHERE request_id = ANY($1)', [
          ids,
        ]);
        expect(rows.rowCount).toBe(new Set(ids).size);
      } finally {
        handed.mockRestore();
      }
    }, 30_000);
  });

  describe('completed usage jobs', () => {
    it('should keep only the last ones in Redis, and a batch enqueued again after removal writes nothing twice', async () => {
      const first = [usagePayload(), usagePayload()];
      const firstId = `batch-${first[0]?.requestId ?? ''}`;
      const job = await usageQueue.add(
        JobName.RecordUsageBatch,
        { records: first },
        jobOptions(JobName.RecordUsageBatch, firstId),
      );
      expect(await job.waitUntilFinished(events, 10_000)).toEqual({ inserted: 2 });
      expect(await usageQueue.getJob(firstId)).toBeDefined();

      // More completions than are kept push the first batch out. Completions are counted from
      // the event stream, not with waitUntilFinished per job: a job that finished early may
      // already have been removed by the time it is asked about, which BullMQ reports as an error.
      const laterBatches = Array.from({ length: COMPLETED_USAGE_JOBS_KEPT + 5 }, () =>
        batchJob([usagePayload()]),
      );
      const laterDone = completionsOf(
        events,
        laterBatches.map((batch) => batch.opts.jobId ?? ''),
        20_000,
      );
      await usageQueue.addBulk(laterBatches);
      await laterDone;
      expect(await usageQueue.getJob(firstId)).toBeUndefined();
      expect(await usageQueue.getCompletedCount()).toBeLessThanOrEqual(COMPLETED_USAGE_JOBS_KEPT);

      // The same batch handed over again (an enqueue retried after its job was removed) is a
      // new job to BullMQ; the ledger still holds each request once.
      const again = await usageQueue.add(
        JobName.RecordUsageBatch,
        { records: first },
        jobOptions(JobName.RecordUsageBatch, firstId),
      );
      expect(await again.waitUntilFinished(events, 10_000)).toEqual({ inserted: 0 });
      const rows = await db.query('SELECT 1 FROM usage_records WHERE request_id = ANY($1)', [
        first.map((record) => record.requestId),
      ]);
      expect(rows.rowCount).toBe(2);
    }, 60_000);
  });

  describe('provider health sweep', () => {
    let upstream: Server;
    let seen: IncomingHttpHeaders[];
    let upstreamUrl: string;

    beforeAll(async () => {
      seen = [];
      upstream = createServer((request, response) => {
        seen.push(request.headers);
        const ok =
          request.url === '/v1/models' && request.headers['x-api-key'] === 'upstream-key-ok';
        response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        response.end(JSON.stringify(ok ? { data: [] } : { error: 'nope' }));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    });

    it('should register one repeatable schedule', async () => {
      const schedulers = await healthQueue.getJobSchedulers();
      expect(schedulers.map((scheduler) => scheduler.key)).toContain('provider-health-sweep');
    });

    it('should probe every enabled provider and publish the results for routing', async () => {
      const create = (name: string, apiKey: string, enabled = true) =>
        call(ctx.baseUrl, 'POST', '/api/providers', {
          body: { name, type: 'anthropic', baseUrl: upstreamUrl, apiKey, enabled },
        });
      const healthy = await create(`healthy-${randomUUID()}`, 'upstream-key-ok');
      const unauthorised = await create(`bad-key-${randomUUID()}`, 'upstream-key-wrong');
      const disabled = await create(`off-${randomUUID()}`, 'upstream-key-ok', false);
      const unreachable = await call(ctx.baseUrl, 'POST', '/api/providers', {
        body: {
          name: `gone-${randomUUID()}`,
          type: 'openai-chat',
          baseUrl: 'http://127.0.0.1:9',
          apiKey: 'k',
        },
      });

      const healthEvents = new QueueEvents(QueueName.ProviderHealth, {
        prefix: 'cch',
        connection: queueConnection(),
      });
      await healthEvents.waitUntilReady();
      try {
        const job = await healthQueue.add(
          JobName.ProviderHealthSweep,
          {},
          jobOptions(JobName.ProviderHealthSweep),
        );
        const outcome = (await job.waitUntilFinished(healthEvents, 20_000)) as { probed: number };
        expect(outcome.probed).toBeGreaterThanOrEqual(3);
      } finally {
        await healthEvents.close();
      }

      const redis = new Redis(TEST_ENV.REDIS_URL);
      try {
        const read = async (id: unknown): Promise<ProviderHealthResult | null> => {
          const raw = await redis.get(healthKey(String(id)));
          return raw ? (JSON.parse(raw) as ProviderHealthResult) : null;
        };
        expect(await read(healthy.body.id)).toMatchObject({
          ok: true,
          httpStatus: 200,
          error: null,
        });
        expect(await read(unauthorised.body.id)).toMatchObject({
          ok: false,
          httpStatus: 401,
          error: 'http_401',
        });
        expect(await read(unreachable.body.id)).toMatchObject({
          ok: false,
          httpStatus: null,
          error: 'connection_error',
        });
        expect(await read(disabled.body.id)).toBeNull();
        expect(await redis.ttl(healthKey(String(healthy.body.id)))).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
      // The upstream saw its own key, sent the Anthropic way.
      expect(seen.map((headers) => headers['x-api-key']).sort()).toEqual([
        'upstream-key-ok',
        'upstream-key-wrong',
      ]);
    });
  });
});
