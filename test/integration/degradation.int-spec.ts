import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import pino from 'pino';
import { PriceCatalog } from '../../src/billing/price-catalog.service';
import { ProviderHealthService } from '../../src/health/provider-health.service';
import { QueueName } from '../../src/jobs/queue-names';
import { emptyUsage } from '../../src/protocols/ir/ir-usage';
import { ProviderDirectory } from '../../src/proxy/provider-directory.service';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call, JsonResponse } from '../support/http';
import { PrivateRedis, waitFor } from '../support/redis-server';
import { SeededKey, seedProvider, seedUserAndKey, waitForRequest } from '../support/seed';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/**
 * Every control's behaviour with Redis down (a private redis-server killed) and with Postgres
 * down (its TCP relay cut): what the client gets, the `cch_degraded_total` counter, the warn line
 * naming the control and mode, and the recovery once the dependency returns. Two gateways share
 * the dependencies: `open` with the default fail-open choices and `closed` with
 * LIMITS_FAIL_OPEN=false and ADMIN_AUTH_FAIL_OPEN=false.
 */
describe('Degradation per control', () => {
  const lines: string[] = [];
  let redis: PrivateRedis;
  let postgres: TcpProxy;
  let open: TestApp;
  let closed: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let warm: SeededKey;
  let fresh: SeededKey;
  let cold: SeededKey;
  let unused: SeededKey;
  let databaseUrl: string;
  let logger: pino.Logger;
  /** Both dependencies through what the test can cut; no worker unless a test starts one. */
  const env = (): Record<string, string> => ({
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    CCH_ROLES: 'gateway,admin',
  });

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    // One logger for both apps: Nest's static logger belongs to whichever app was created last.
    logger = pino({ level: 'info' }, sink);
    redis = await PrivateRedis.start();
    const pg = new URL(TEST_ENV.DATABASE_URL);
    postgres = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    pg.port = String(postgres.port);
    databaseUrl = pg.toString();
    open = await startTestApp(env(), logger);
    closed = await startTestApp(
      { ...env(), LIMITS_FAIL_OPEN: 'false', ADMIN_AUTH_FAIL_OPEN: 'false' },
      logger,
    );
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    upstream = await FakeAnthropic.start();
    const group = `g-${randomUUID().slice(0, 8)}`;
    await seedProvider(open.baseUrl, {
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [group],
    });
    [warm, fresh, cold, unused] = await Promise.all(
      [1, 2, 3, 4].map(() => seedUserAndKey(open.baseUrl, { providerGroup: group })),
    );
  });

  afterAll(async () => {
    await upstream.close();
    await db.end();
    await open.close();
    await closed.close();
    await redis.stop();
    await postgres.cut();
  });

  function anthropic(app: TestApp, key: string): Promise<JsonResponse<Record<string, unknown>>> {
    return call(app.baseUrl, 'POST', '/v1/messages', {
      token: null,
      headers: { 'x-api-key': key, 'x-claude-code-session-id': 'session-1' },
      body: {
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      },
    });
  }

  function openAiChat(app: TestApp, key: string): Promise<JsonResponse<Record<string, unknown>>> {
    return call(app.baseUrl, 'POST', '/v1/chat/completions', {
      token: key,
      body: { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] },
    });
  }

  /** Current value of `cch_degraded_total` for the labels (0 when never incremented). */
  async function degraded(control: string, mode: string, dependency: string): Promise<number> {
    const text = await (await fetch(`${open.baseUrl}/metrics`)).text();
    return metricValue(text, 'cch_degraded_total', { control, mode, dependency });
  }

  function logged(pattern: string): string[] {
    return lines
      .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '')
      .filter((msg) => msg.includes(pattern));
  }

  async function readiness(app: TestApp): Promise<number> {
    return (await fetch(`${app.baseUrl}/readyz`)).status;
  }

  describe('with Redis down', () => {
    const before: Record<string, number> = {};
    const counters: [string, string, string][] = [
      ['limits', 'fail_open', 'redis'],
      ['limits', 'fail_closed', 'redis'],
      ['breaker', 'fail_open', 'redis'],
      ['stickiness', 'fail_open', 'redis'],
      ['usage_queue', 'fallback', 'redis'],
      ['auth', 'fallback', 'redis'],
      ['admin_auth_limiter', 'fail_open', 'redis'],
      ['admin_auth_limiter', 'fail_closed', 'redis'],
      ['admin_api', 'fail_closed', 'redis'],
      ['key_invalidation', 'fail_open', 'redis'],
    ];
    const delta = async (control: string, mode: string): Promise<number> =>
      (await degraded(control, mode, 'redis')) - before[`${control}:${mode}`];

    beforeAll(async () => {
      // In the in-process cache of the open gateway before the outage.
      expect((await anthropic(open, warm.key)).status).toBe(200);
      for (const [control, mode, dependency] of counters) {
        before[`${control}:${mode}`] = await degraded(control, mode, dependency);
      }
      await redis.stop();
    });

    it('reports Redis down on /readyz and in cch_dependency_up', async () => {
      expect(await readiness(open)).toBe(503);
      const text = await (await fetch(`${open.baseUrl}/metrics`)).text();
      expect(metricValue(text, 'cch_dependency_up', { dependency: 'redis' })).toBe(0);
      expect(metricValue(text, 'cch_dependency_up', { dependency: 'postgres' })).toBe(1);
    });

    it('fail-open limits, breaker and stickiness: a cached key is served, each counted and logged once', async () => {
      const requests = 5;
      for (let i = 0; i < requests; i += 1) {
        expect((await anthropic(open, warm.key)).status).toBe(200);
      }
      expect(await delta('limits', 'fail_open')).toBeGreaterThanOrEqual(requests);
      expect(await delta('breaker', 'fail_open')).toBeGreaterThanOrEqual(requests);
      expect(await delta('stickiness', 'fail_open')).toBeGreaterThanOrEqual(requests);
      // Rate-limited: one line per control and mode, however many requests degraded.
      expect(logged('control=limits mode=fail_open dependency=redis')).toHaveLength(1);
      expect(logged('control=breaker mode=fail_open dependency=redis')).toHaveLength(1);
      expect(logged('control=stickiness mode=fail_open dependency=redis')).toHaveLength(1);
    });

    it('usage records go straight to the Postgres ledger', async () => {
      const response = await anthropic(open, warm.key);
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-cch-request-id');
      // Written before the answer ended, not by a worker (none runs here).
      await waitFor(async () => {
        const rows = await db.query('SELECT 1 FROM usage_records WHERE request_id = $1', [
          requestId,
        ]);
        return rows.rows.length === 1;
      }, 5_000);
      expect(await delta('usage_queue', 'fallback')).toBeGreaterThanOrEqual(1);
      expect(logged('control=usage_queue mode=fallback dependency=redis')).toHaveLength(1);
    });

    it('a key in no cache is authenticated from Postgres', async () => {
      expect((await anthropic(open, fresh.key)).status).toBe(200);
      expect(await delta('auth', 'fallback')).toBeGreaterThanOrEqual(1);
      expect(logged('control=auth mode=fallback dependency=redis')).toHaveLength(1);
    });

    it('fail-closed limits refuse with 503 in the client protocol envelope', async () => {
      const served = upstream.requests.length;
      const viaAnthropic = await anthropic(closed, warm.key);
      expect(viaAnthropic.status).toBe(503);
      expect(viaAnthropic.headers.get('retry-after')).toBe('5');
      expect(viaAnthropic.body).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error', message: expect.stringContaining('Limits') as string },
      });
      const viaOpenAi = await openAiChat(closed, warm.key);
      expect(viaOpenAi.status).toBe(503);
      expect(viaOpenAi.body).toMatchObject({
        error: { message: expect.stringContaining('Limits') as string },
      });
      expect(await delta('limits', 'fail_closed')).toBeGreaterThanOrEqual(2);
      expect(logged('control=limits mode=fail_closed dependency=redis')).toHaveLength(1);
      expect(upstream.requests.length).toBe(served);
    });

    it('the admin brute-force limiter fails open by default and closed when configured', async () => {
      expect((await call(open.baseUrl, 'GET', '/api/users')).status).toBe(200);
      expect(await delta('admin_auth_limiter', 'fail_open')).toBeGreaterThanOrEqual(1);
      expect(logged('control=admin_auth_limiter mode=fail_open')).toHaveLength(1);

      const refused = await call(closed.baseUrl, 'GET', '/api/users');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await delta('admin_auth_limiter', 'fail_closed')).toBeGreaterThanOrEqual(1);
      expect(logged('control=admin_auth_limiter mode=fail_closed')).toHaveLength(1);
    });

    it('admin reads that need Redis answer 503, not 500', async () => {
      const providers = await call<{ items: { id: string }[] }>(
        open.baseUrl,
        'GET',
        '/api/providers',
      );
      const health = await call(
        open.baseUrl,
        'GET',
        `/api/providers/${providers.body.items[0].id}/health`,
      );
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toBe('5');
      expect(health.body).toMatchObject({
        statusCode: 503,
        message: 'Redis is unreachable; retry later',
      });
      expect(await delta('admin_api', 'fail_closed')).toBeGreaterThanOrEqual(1);
      // The probe itself runs; its result cannot be stored.
      const probe = await call(
        open.baseUrl,
        'POST',
        `/api/providers/${providers.body.items[0].id}/test`,
      );
      expect(probe.status).toBe(503);
    });

    it('reports and self-service keep working on Postgres alone', async () => {
      const report = await call(
        open.baseUrl,
        'GET',
        '/api/reports/costs?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&groupBy=user',
      );
      expect(report.status).toBe(200);
      const me = await call(open.baseUrl, 'GET', '/api/me', { token: warm.key });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: { id: warm.userId } });
    });

    it('a revocation that cannot be announced still takes effect within 5 s', async () => {
      // `fresh` entered the in-process cache during the outage, with the short TTL.
      expect((await anthropic(open, fresh.key)).status).toBe(200);
      const revoked = await call(open.baseUrl, 'DELETE', `/api/keys/${fresh.keyId}`);
      expect(revoked.status).toBe(204);
      expect(await delta('key_invalidation', 'fail_open')).toBeGreaterThanOrEqual(1);
      const started = Date.now();
      await waitFor(async () => (await anthropic(open, fresh.key)).status === 401, 7_000);
      expect(Date.now() - started).toBeLessThan(6_500);
    });

    it('recovers when Redis returns: normal answers, no more degradation, a recovery line', async () => {
      await redis.restart();
      await waitFor(async () => (await readiness(open)) === 200, 10_000);
      await waitFor(async () => (await anthropic(closed, warm.key)).status === 200, 10_000);
      expect((await call(closed.baseUrl, 'GET', '/api/users')).status).toBe(200);
      const limitsBefore = await delta('limits', 'fail_open');
      for (let i = 0; i < 3; i += 1) expect((await anthropic(open, warm.key)).status).toBe(200);
      expect(await delta('limits', 'fail_open')).toBe(limitsBefore);
      expect(logged('recovered control=limits dependency=redis').length).toBeGreaterThan(0);
      const text = await (await fetch(`${open.baseUrl}/metrics`)).text();
      expect(metricValue(text, 'cch_dependency_up', { dependency: 'redis' })).toBe(1);
    });
  });

  describe('with Postgres down', () => {
    const delta = async (control: string, mode: string, start: number): Promise<number> =>
      (await degraded(control, mode, 'postgres')) - start;

    let worker: TestApp;
    let queue: Queue;
    let queuedRequestId: string | null = null;

    beforeAll(async () => {
      // A worker writing the ledger from the queue; it needs Postgres to boot.
      worker = await startTestApp({ ...env(), CCH_ROLES: 'worker' }, logger);
      queue = new Queue(QueueName.UsageLedger, {
        prefix: 'cch',
        connection: { host: '127.0.0.1', port: redis.port },
      });
      // In both caches (in-process and Redis) before the outage; its limit baselines loaded.
      const warmed = [await anthropic(open, warm.key), await anthropic(closed, warm.key)];
      for (const response of warmed) expect(response.status).toBe(200);
      // Every record so far written and the queue idle before the cut: a job in flight across
      // it could succeed just before and report a recovery after the tests' first failure.
      const warmIds = warmed.map((response) => response.headers.get('x-cch-request-id'));
      await waitFor(async () => {
        const rows = await db.query('SELECT 1 FROM usage_records WHERE request_id = ANY($1)', [
          warmIds,
        ]);
        const busy = (await queue.getWaitingCount()) + (await queue.getActiveCount());
        return rows.rowCount === warmIds.length && busy === 0;
      }, 15_000);
      await postgres.cut();
    });

    afterAll(async () => {
      await queue.close();
      await worker.close();
    });

    it('usage jobs wait in the queue without using their attempts', async () => {
      const start = await degraded('usage_queue', 'fallback', 'postgres');
      const response = await anthropic(open, warm.key);
      expect(response.status).toBe(200);
      queuedRequestId = response.headers.get('x-cch-request-id');
      // Tried, refused by the unreachable ledger, delayed and tried again: still no attempt spent.
      // A lone request's record travels as a batch of one, named after its request id.
      const jobId = `copy-${String(queuedRequestId)}`;
      // Caught between attempts: while one runs (the ledger's connect timeout) it reads 'active'.
      await waitFor(async () => {
        const job = await queue.getJob(jobId);
        return (job?.attemptsStarted ?? 0) >= 2 && (await job?.getState()) === 'delayed';
      }, 15_000);
      const job = await queue.getJob(jobId);
      expect(job?.attemptsMade).toBe(0);
      expect(await delta('usage_queue', 'fallback', start)).toBeGreaterThanOrEqual(2);
      expect(logged('control=usage_queue mode=fallback dependency=postgres')).toHaveLength(1);
    });

    it('reports Postgres down on /readyz', async () => {
      expect(await readiness(open)).toBe(503);
    });

    it('a cached key is served; the provider snapshot stands in for the database', async () => {
      const start = await degraded('provider_directory', 'fallback', 'postgres');
      open.app.get(ProviderDirectory).markStale();
      expect((await anthropic(open, warm.key)).status).toBe(200);
      expect(await delta('provider_directory', 'fallback', start)).toBeGreaterThanOrEqual(1);
      expect(logged('control=provider_directory mode=fallback dependency=postgres')).toHaveLength(
        1,
      );
    });

    it('a key in no cache gets a retryable 503 in its protocol envelope, never a 401', async () => {
      const start = await degraded('auth', 'fail_closed', 'postgres');
      const viaAnthropic = await anthropic(open, cold.key);
      expect(viaAnthropic.status).toBe(503);
      expect(viaAnthropic.headers.get('retry-after')).toBe('5');
      expect(viaAnthropic.body).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error', message: expect.stringContaining('API key') as string },
      });
      const viaOpenAi = await openAiChat(open, cold.key);
      expect(viaOpenAi.status).toBe(503);
      expect(viaOpenAi.body).toMatchObject({
        error: { message: expect.stringContaining('API key') as string },
      });
      const viaGemini = await call(
        open.baseUrl,
        'POST',
        '/v1beta/models/claude-sonnet-4-6:generateContent',
        {
          token: null,
          headers: { 'x-goog-api-key': cold.key },
          body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        },
      );
      expect(viaGemini.status).toBe(503);
      expect(viaGemini.body).toMatchObject({
        error: {
          code: 503,
          status: 'UNAVAILABLE',
          message: expect.stringContaining('API key') as string,
        },
      });
      expect(await delta('auth', 'fail_closed', start)).toBeGreaterThanOrEqual(3);
      expect(logged('control=auth mode=fail_closed dependency=postgres')).toHaveLength(1);
    });

    it('limit counters Redis lost are rebuilt from the ledger: without it, fail open or 503', async () => {
      const openStart = await degraded('limits', 'fail_open', 'postgres');
      const closedStart = await degraded('limits', 'fail_closed', 'postgres');
      // Redis lost the limit counters (as after a failover to an empty replica): every scope
      // needs its ledger baseline again.
      const client = new Redis(redis.url);
      try {
        const counters = await client.keys('cch:lim:*');
        expect(counters.length).toBeGreaterThan(0);
        await client.del(...counters);
      } finally {
        client.disconnect();
      }
      expect((await anthropic(open, warm.key)).status).toBe(200);
      expect(await delta('limits', 'fail_open', openStart)).toBeGreaterThanOrEqual(1);
      const refused = await anthropic(closed, warm.key);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      expect(await delta('limits', 'fail_closed', closedStart)).toBeGreaterThanOrEqual(1);
      expect(logged('control=limits mode=fail_closed dependency=postgres')).toHaveLength(1);
    });

    it('the admin API answers 503 with retry-after', async () => {
      const start = await degraded('admin_api', 'fail_closed', 'postgres');
      const users = await call(open.baseUrl, 'GET', '/api/users');
      expect(users.status).toBe(503);
      expect(users.headers.get('retry-after')).toBe('5');
      expect(users.body).toMatchObject({ message: 'Postgres is unreachable; retry later' });
      expect(await delta('admin_api', 'fail_closed', start)).toBeGreaterThanOrEqual(1);
      expect(logged('control=admin_api mode=fail_closed dependency=postgres')).toHaveLength(1);
    });

    it('a gateway key on the admin API gets 503, not a 401 counted as a failed guess', async () => {
      const me = await call(open.baseUrl, 'GET', '/api/me', { token: cold.key });
      expect(me.status).toBe(503);
      expect(me.headers.get('retry-after')).toBe('5');
    });

    it('prices keep the last loaded catalog', async () => {
      const start = await degraded('price_catalog', 'fallback', 'postgres');
      await open.app.get(PriceCatalog).reload();
      expect(await delta('price_catalog', 'fallback', start)).toBeGreaterThanOrEqual(1);
      expect(
        open.app.get(PriceCatalog).cost('claude-sonnet-4-6', emptyUsage(), '1'),
      ).not.toBeNull();
      expect(logged('control=price_catalog mode=fallback dependency=postgres')).toHaveLength(1);
    });

    it('the provider health sweep is skipped, not failed', async () => {
      const start = await degraded('provider_health', 'fail_open', 'postgres');
      await expect(open.app.get(ProviderHealthService).sweep(60)).resolves.toEqual([]);
      expect(await delta('provider_health', 'fail_open', start)).toBeGreaterThanOrEqual(1);
      expect(logged('control=provider_health mode=fail_open dependency=postgres')).toHaveLength(1);
    });

    it('recovers when Postgres returns', async () => {
      await postgres.open();
      await waitFor(async () => (await readiness(open)) === 200, 10_000);
      expect((await anthropic(open, cold.key)).status).toBe(200);
      expect((await anthropic(closed, warm.key)).status).toBe(200);
      expect((await call(open.baseUrl, 'GET', '/api/users')).status).toBe(200);
      expect(logged('recovered control=auth dependency=postgres').length).toBeGreaterThan(0);
      // The job that waited out the outage reaches the ledger.
      expect(await waitForRequest(db, queuedRequestId, 15_000)).toBeDefined();
      const text = await (await fetch(`${open.baseUrl}/metrics`)).text();
      expect(metricValue(text, 'cch_dependency_up', { dependency: 'postgres' })).toBe(1);
    });
  });

  describe('with Postgres hanging (a partition: connections accepted, never answered)', () => {
    beforeAll(async () => {
      expect((await anthropic(open, warm.key)).status).toBe(200);
      postgres.stall();
    });

    afterAll(async () => {
      await postgres.cut();
      await postgres.open();
      await waitFor(async () => (await readiness(open)) === 200, 15_000);
    });

    async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
      const started = performance.now();
      const result = await work();
      return { result, ms: performance.now() - started };
    }

    it('routing gives up on the reload after 5 s and then never waits for the database', async () => {
      // An announced change makes requests wait for the reload: bounded by its timeout.
      open.app.get(ProviderDirectory).markStale();
      const first = await timed(() => anthropic(open, warm.key));
      expect(first.result.status).toBe(200);
      expect(first.ms).toBeLessThan(7_000);
      // Later reloads run in the background while requests route on the last snapshot.
      for (let i = 0; i < 3; i += 1) {
        const next = await timed(() => anthropic(open, warm.key));
        expect(next.result.status).toBe(200);
        expect(next.ms).toBeLessThan(1_500);
      }
    });

    it('a key in no cache gets a 503 once its lookup times out, not a hung request', async () => {
      const lookup = await timed(() => anthropic(open, unused.key));
      expect(lookup.result.status).toBe(503);
      expect(lookup.ms).toBeLessThan(7_000);
    });
  });

  describe('with Redis hanging (a partition: connections accepted, never answered)', () => {
    let hangingRedis: PrivateRedis;
    let relay: TcpProxy;
    let gateway: TestApp;

    beforeAll(async () => {
      hangingRedis = await PrivateRedis.start();
      relay = await TcpProxy.start({ host: '127.0.0.1', port: hangingRedis.port });
      gateway = await startTestApp(
        {
          REDIS_URL: `redis://127.0.0.1:${relay.port}`,
          DATABASE_URL: TEST_ENV.DATABASE_URL,
          CCH_ROLES: 'gateway,admin',
        },
        logger,
      );
      expect((await anthropic(gateway, warm.key)).status).toBe(200);
      relay.stall();
    });

    afterAll(async () => {
      await gateway.close();
      await relay.cut();
      await hangingRedis.stop();
    });

    it('requests are served after one command timeout, then at once, not held by the hanging server', async () => {
      const started = performance.now();
      const response = await anthropic(gateway, warm.key);
      expect(response.status).toBe(200);
      // One command timeout: the silent socket is then dropped, and while it reconnects every
      // command fails at once.
      expect(performance.now() - started).toBeLessThan(5_000);
      for (let i = 0; i < 3; i += 1) {
        const next = performance.now();
        expect((await anthropic(gateway, warm.key)).status).toBe(200);
        expect(performance.now() - next).toBeLessThan(1_000);
      }
      const admin = await call(gateway.baseUrl, 'GET', '/api/users');
      expect(admin.status).toBe(200);
      expect(logged('control=limits mode=fail_open dependency=redis').length).toBeGreaterThan(0);
      expect(await readiness(gateway)).toBe(503);
    });

    it('recovers once Redis answers again', async () => {
      await relay.cut();
      await relay.open();
      await waitFor(async () => (await readiness(gateway)) === 200, 15_000);
      const started = performance.now();
      expect((await anthropic(gateway, warm.key)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });
});

/** The value of one sample of a Prometheus text exposition, matched on every given label. */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(line.slice(line.lastIndexOf('}') + 1).trim());
    }
  }
  return 0;
}
