import Decimal from 'decimal.js';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { LimitsEngine } from '../../src/limits/limits-engine';
import { FakeAnthropic } from '../support/fake-anthropic';
import { seedProvider, seedUserAndKey, SeededKey } from '../support/seed';
import { TestApp } from '../support/test-app';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { TEST_ENV } from '../support/test-env';

const MODEL = 'claude-sonnet-4-6';
/** 1,000 output tokens at $15/MTok plus a small body: each request reserves about $0.0151. */
const BODY = JSON.stringify({
  model: MODEL,
  max_tokens: 1000,
  messages: [{ role: 'user', content: 'hi' }],
});

function post(baseUrl: string, key: string, path = '/v1/messages', body = BODY) {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      authorization: `Bearer ${key}`,
    },
    body,
  });
}

// Every case runs with each admission mode: the limits must hold the same with admission ahead.
describe.each([
  ['admitted on each request', {}],
  ['admitted ahead (LIMITS_ADMIT_AHEAD)', { LIMITS_ADMIT_AHEAD: 'true' }],
])('Gateway: limits and budgets, %s', (_mode, env: Record<string, string>) => {
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let group: string;

  let bed: GatewayBed;
  /** Keys whose in-flight count must be back to 0 once the gateway has shut down. */
  const keysUsed: string[] = [];

  beforeAll(async () => {
    bed = await startGatewayBed({}, env);
    ({ ctx, db, upstream, group } = bed);
  });

  afterAll(async () => {
    await bed.close();
    // An admission held ahead is withdrawn at shutdown: no slot is left to expire by its TTL.
    const redis = new Redis(TEST_ENV.REDIS_URL);
    try {
      const engine = new LimitsEngine(redis);
      for (const keyId of keysUsed) {
        const usage = await engine.windowUsage({ kind: 'key', id: keyId, limits: {} });
        expect(usage?.concurrency.inFlight).toBe(0);
      }
    } finally {
      await redis.quit();
    }
  });

  beforeEach(() => upstream.reset());

  async function keyWith(limits: Record<string, unknown>): Promise<SeededKey> {
    return seedUserAndKey(ctx.baseUrl, { providerGroup: group }, { limits });
  }

  it('should keep 64 concurrent requests within a budget that allows about ten', async () => {
    const budget = '0.15';
    const caller = await keyWith({ usdDaily: budget });
    // Slow answers keep every admitted request in flight while the others arrive.
    upstream.always({ kind: 'ok', delayMs: 2_000 });
    const responses = await Promise.all(
      Array.from({ length: 64 }, () => post(ctx.baseUrl, caller.key)),
    );
    const statuses = responses.map((response) => response.status);
    const admitted = statuses.filter((status) => status === 200).length;
    // Each reservation is 25 estimated input tokens × $3 + 1,000 output × $15 per million.
    expect(admitted).toBe(Math.floor(0.15 / 0.015075));
    expect(statuses.filter((status) => status === 402)).toHaveLength(64 - admitted);

    const refused = responses.find((response) => response.status === 402) as Response;
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    // In-flight reservations, not spent money, fill the budget: no reset time to promise.
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.headers.get('x-ratelimit-limit-usd-daily')).toBe('0.15');

    // What was spent (the ledger) stays within the budget: the overshoot bound is zero here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const spent = await db.query<{ total: string | null; n: string }>(
      `SELECT sum(cost_usd) AS total, count(*) AS n FROM usage_records WHERE api_key_id = $1 AND status = 'success'`,
      [caller.keyId],
    );
    expect(Number(spent.rows[0]?.n)).toBe(admitted);
    expect(new Decimal(spent.rows[0]?.total ?? '0').lte(budget)).toBe(true);
  });

  it('should say when the daily window resets once spent money fills it', async () => {
    // One reservation ($0.015075) fits; after it settles ($0.000723 spent) the next does not.
    const caller = await keyWith({ usdDaily: '0.0155' });
    expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
    const refused = await post(ctx.baseUrl, caller.key);
    expect(refused.status).toBe(402);
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const expected = Math.ceil((midnight - now.getTime()) / 1000);
    expect(Math.abs(Number(refused.headers.get('retry-after')) - expected)).toBeLessThan(5);
  });

  it('should admit exactly the RPM limit out of 64 concurrent requests, with a 429 for the rest', async () => {
    const caller = await keyWith({ rpm: 10 });
    const responses = await Promise.all(
      Array.from({ length: 64 }, () => post(ctx.baseUrl, caller.key)),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(10);
    const refused = responses.filter((response) => response.status === 429);
    expect(refused).toHaveLength(54);
    expect(await refused[0]?.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused[0]?.headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(refused[0]?.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(upstream.requests).toHaveLength(10);
  });

  it('should hold 64 concurrent requests to the concurrency limit and free slots as they end', async () => {
    const caller = await keyWith({ concurrentSessions: 4 });
    upstream.always({ kind: 'ok', delayMs: 400 });
    const statuses = await Promise.all(
      Array.from({ length: 64 }, () =>
        post(ctx.baseUrl, caller.key).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(60);
    upstream.always({ kind: 'ok' });
    expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
  });

  it('should refuse in the client protocol: an OpenAI client gets an OpenAI-shaped 402', async () => {
    const caller = await keyWith({ usdTotal: '0.000001' });
    const refused = await post(
      ctx.baseUrl,
      caller.key,
      '/v1/chat/completions',
      JSON.stringify({
        model: MODEL,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toMatch(/budget/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('should serve exactly the RPM limit of requests sent one after another', async () => {
    const caller = await keyWith({ rpm: 8, concurrentSessions: 20 });
    keysUsed.push(caller.keyId);
    const statuses: number[] = [];
    for (let index = 0; index < 12; index += 1) {
      const response = await post(ctx.baseUrl, caller.key);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([...Array<number>(8).fill(200), ...Array<number>(4).fill(429)]);
    expect(upstream.requests).toHaveLength(8);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM usage_records WHERE api_key_id = $1 AND status = 'success'`,
      [caller.keyId],
    );
    expect(Number(rows.rows[0]?.n)).toBe(8);
  });

  it('should take a provider whose budget is spent out of routing', async () => {
    const spentGroup = `g-${randomUUID().slice(0, 8)}`;
    const cheap = await FakeAnthropic.start();
    const backup = await FakeAnthropic.start();
    try {
      const limited = await seedProvider(ctx.baseUrl, {
        baseUrl: cheap.url,
        apiKey: cheap.apiKey,
        groups: [spentGroup],
        priority: 0,
        limits: { usdTotal: '0.001' },
      });
      await seedProvider(ctx.baseUrl, {
        baseUrl: backup.url,
        apiKey: backup.apiKey,
        groups: [spentGroup],
        priority: 1,
      });
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: spentGroup });
      // Two answers cost $0.000723 each: after them the provider's $0.001 is spent.
      expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
      expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
      for (let index = 0; index < 3; index += 1) {
        expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
      }
      expect(cheap.requests).toHaveLength(2);
      expect(backup.requests).toHaveLength(3);
      expect(limited).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await cheap.close();
      await backup.close();
    }
  });

  // Last, so the gateway shuts down while an admission ahead of this key is held (afterAll).
  it('should answer a key with room to spare, and hold nothing for it after shutdown', async () => {
    const caller = await keyWith({ concurrentSessions: 10 });
    keysUsed.push(caller.keyId);
    for (let index = 0; index < 2; index += 1) {
      expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
    }
  });
});
