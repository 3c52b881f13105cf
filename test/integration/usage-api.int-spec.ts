import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { call } from '../support/http';
import { seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

interface UsagePage {
  items: { requestId: string; requestedModel: string; costUsd: string | null; createdAt: string }[];
  total: number;
}

describe('GET /api/usage', () => {
  let ctx: TestApp;
  let db: Client;
  const userId = randomUUID();
  const keyId = randomUUID();

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    const rows = [
      ['claude-sonnet-4-5', 'success', '2026-01-01T10:00:00Z', '0.10'],
      ['claude-sonnet-4-5', 'error', '2026-01-02T10:00:00Z', null],
      ['claude-haiku-4-5', 'success', '2026-01-03T10:00:00Z', '0.01'],
      ['claude-haiku-4-5', 'aborted', '2026-01-04T10:00:00Z', '0.02'],
    ];
    for (const [model, status, createdAt, cost] of rows) {
      await db.query(
        `INSERT INTO usage_records (request_id, user_id, api_key_id, client_protocol, client_name,
           requested_model, upstream_model, status, cost_usd, created_at)
         VALUES ($1, $2, $3, 'anthropic', 'claude-code', $4, $4, $5, $6, $7)`,
        [randomUUID(), userId, keyId, model, status, cost, createdAt],
      );
    }
  });

  afterAll(async () => {
    await db.end();
    await ctx.close();
  });

  it('should filter by key, model, status and time range, newest first', async () => {
    const all = await call<UsagePage>(ctx.baseUrl, 'GET', `/api/usage?keyId=${keyId}`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((item) => item.createdAt)).toEqual([
      '2026-01-04T10:00:00.000Z',
      '2026-01-03T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
      '2026-01-01T10:00:00.000Z',
    ]);
    expect(all.body.items[3]?.costUsd).toBe('0.1000000000');

    const haiku = await call<UsagePage>(
      ctx.baseUrl,
      'GET',
      `/api/usage?userId=${userId}&model=claude-haiku-4-5`,
    );
    expect(haiku.body.total).toBe(2);
    const errors = await call<UsagePage>(
      ctx.baseUrl,
      'GET',
      `/api/usage?keyId=${keyId}&status=error`,
    );
    expect(errors.body.total).toBe(1);
    const window = await call<UsagePage>(
      ctx.baseUrl,
      'GET',
      `/api/usage?keyId=${keyId}&from=2026-01-02T00:00:00Z&to=2026-01-04T00:00:00Z`,
    );
    expect(window.body.items.map((item) => item.requestedModel)).toEqual([
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
    ]);
    const paged = await call<UsagePage>(
      ctx.baseUrl,
      'GET',
      `/api/usage?keyId=${keyId}&page=2&pageSize=3`,
    );
    expect(paged.body).toMatchObject({ total: 4 });
    expect(paged.body.items).toHaveLength(1);
  });

  it('should let finance read it and refuse plain users, bad filters and no credentials', async () => {
    const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance' });
    expect(
      (await call(ctx.baseUrl, 'GET', `/api/usage?keyId=${keyId}`, { token: finance.key })).status,
    ).toBe(200);
    const user = await seedUserAndKey(ctx.baseUrl, { role: 'user' });
    expect((await call(ctx.baseUrl, 'GET', '/api/usage', { token: user.key })).status).toBe(403);
    expect((await call(ctx.baseUrl, 'GET', '/api/usage', { token: null })).status).toBe(401);
    expect((await call(ctx.baseUrl, 'GET', '/api/usage?userId=nope&from=yesterday')).status).toBe(
      400,
    );
  });
});
