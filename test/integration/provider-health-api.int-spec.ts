import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

interface HealthResult {
  providerId: string;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  checkedAt: string;
  error: string | null;
}

describe('Provider health API', () => {
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let providerId: string;

  beforeAll(async () => {
    ctx = await startTestApp();
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    upstream = await FakeAnthropic.start();
    providerId = await seedProvider(ctx.baseUrl, {
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [`g-${randomUUID().slice(0, 8)}`],
    });
  });

  afterAll(async () => {
    await upstream.close();
    await db.end();
    await ctx.close();
  });

  it('should answer an empty health record before any probe', async () => {
    const health = await call(ctx.baseUrl, 'GET', `/api/providers/${providerId}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ latest: null, history: [] });
  });

  it('should probe on demand, publish the result and audit it', async () => {
    upstream.reset();
    const tested = await call<HealthResult>(
      ctx.baseUrl,
      'POST',
      `/api/providers/${providerId}/test`,
    );
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ providerId, ok: true, httpStatus: 200, error: null });
    // The probe reached the fake with the provider's own (decrypted) key.
    const probe = upstream.requests.find((request) => request.url.startsWith('/v1/models'));
    expect(probe?.headers['x-api-key']).toBe(upstream.apiKey);

    // A wrong upstream key: the fake answers the probe 401.
    const patched = await call(ctx.baseUrl, 'PATCH', `/api/providers/${providerId}`, {
      body: { apiKey: 'sk-ant-wrong-key-0000' },
    });
    expect(patched.status).toBe(200);
    const failed = await call<HealthResult>(
      ctx.baseUrl,
      'POST',
      `/api/providers/${providerId}/test`,
    );
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ ok: false, httpStatus: 401, error: 'http_401' });

    const health = await call<{ latest: HealthResult; history: HealthResult[] }>(
      ctx.baseUrl,
      'GET',
      `/api/providers/${providerId}/health`,
    );
    expect(health.status).toBe(200);
    expect(health.body.latest).toEqual(failed.body);
    expect(health.body.history).toEqual([failed.body, tested.body]);

    const limited = await call<{ history: HealthResult[] }>(
      ctx.baseUrl,
      'GET',
      `/api/providers/${providerId}/health?limit=1`,
    );
    expect(limited.body.history).toEqual([failed.body]);
    expect(
      (await call(ctx.baseUrl, 'GET', `/api/providers/${providerId}/health?limit=0`)).status,
    ).toBe(400);

    const audit = await db.query<{ action: string; changes: Record<string, unknown> }>(
      `SELECT action, changes FROM audit_log WHERE target_id = $1 AND action = 'provider.test'
       ORDER BY id`,
      [providerId],
    );
    expect(audit.rows.map((row) => row.changes)).toEqual([
      { ok: true, httpStatus: 200, error: null },
      { ok: false, httpStatus: 401, error: 'http_401' },
    ]);
  });

  it('should answer 404 for unknown and deleted providers', async () => {
    const unknown = randomUUID();
    expect((await call(ctx.baseUrl, 'GET', `/api/providers/${unknown}/health`)).status).toBe(404);
    expect((await call(ctx.baseUrl, 'POST', `/api/providers/${unknown}/test`)).status).toBe(404);
    const deleted = await seedProvider(ctx.baseUrl, {
      baseUrl: upstream.url,
      apiKey: 'sk-x-123456789',
    });
    await call(ctx.baseUrl, 'DELETE', `/api/providers/${deleted}`);
    expect((await call(ctx.baseUrl, 'POST', `/api/providers/${deleted}/test`)).status).toBe(404);
    expect((await call(ctx.baseUrl, 'GET', '/api/providers/not-a-uuid/health')).status).toBe(400);
  });

  it('should let finance read health but not test, refuse users and anonymous callers', async () => {
    const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance' });
    const user = await seedUserAndKey(ctx.baseUrl, { role: 'user' });
    const health = `/api/providers/${providerId}/health`;
    const test = `/api/providers/${providerId}/test`;
    expect((await call(ctx.baseUrl, 'GET', health, { token: finance.key })).status).toBe(200);
    expect((await call(ctx.baseUrl, 'POST', test, { token: finance.key })).status).toBe(403);
    expect((await call(ctx.baseUrl, 'GET', health, { token: user.key })).status).toBe(403);
    expect((await call(ctx.baseUrl, 'POST', test, { token: user.key })).status).toBe(403);
    expect((await call(ctx.baseUrl, 'GET', health, { token: null })).status).toBe(401);
    expect((await call(ctx.baseUrl, 'POST', test, { token: null })).status).toBe(401);
  });

  it('should document both routes in Swagger', async () => {
    const { body } = await call<{ paths: Record<string, Record<string, unknown>> }>(
      ctx.baseUrl,
      'GET',
      '/docs-json',
    );
    expect(body.paths['/api/providers/{id}/health']?.get).toBeDefined();
    expect(body.paths['/api/providers/{id}/test']?.post).toBeDefined();
  });
});
