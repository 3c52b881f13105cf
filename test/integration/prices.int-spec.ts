import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { PriceCatalog, PRICES_CHANGED_CHANNEL } from '../../src/billing/price-catalog.service';
import { PriceSeeder } from '../../src/billing/price-seeder.service';
import { loadSnapshot, parseSnapshot } from '../../src/billing/price-snapshot';
import { UsageRecordsRepository } from '../../src/billing/usage-records.repository';
import { UsageStatus } from '../../src/billing/usage-record.entity';
import { call } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

type Json = Record<string, unknown>;
interface PricePage {
  items: Json[];
  total: number;
  page: number;
  pageSize: number;
}
interface BadRequest {
  fields: { field: string; messages: string[] }[];
}

const SONNET = 'claude-sonnet-4-5*';
const SONNET_MODEL = 'claude-sonnet-4-5-20250929';
const USAGE = {
  inputTokens: 1000,
  outputTokens: 1000,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
  reasoningTokens: 0,
};

describe('Price catalog', () => {
  let ctx: TestApp;
  let db: Client;
  let catalog: PriceCatalog;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin,worker' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    catalog = ctx.app.get(PriceCatalog);
  });

  afterAll(async () => {
    await db.end();
    await ctx.close();
  });

  const api = <T = Json>(method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call<T>(ctx.baseUrl, method, path, options);
  const path = (model: string): string => `/api/prices/${encodeURIComponent(model)}`;

  async function keyWithRole(role: string): Promise<string> {
    const user = await api('POST', '/api/users', { body: { name: `prices-${role}`, role } });
    const key = await api('POST', `/api/users/${String(user.body.id)}/keys`, {
      body: { name: 'k' },
    });
    return String(key.body.key);
  }

  async function countRows(where = 'TRUE', params: unknown[] = []): Promise<number> {
    const result = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM model_prices WHERE ${where}`,
      params,
    );
    return Number(result.rows[0].n);
  }

  describe('seeding', () => {
    it('should load the bundled snapshot at boot', async () => {
      const snapshot = loadSnapshot();
      expect(await countRows(`source = 'bundled'`)).toBe(snapshot.prices.length);
      const origin = await db.query<{ origin: string }>(
        `SELECT origin FROM model_prices WHERE model = $1 LIMIT 1`,
        [SONNET],
      );
      expect(origin.rows[0].origin).toMatch(/^@pydantic\/genai-prices@[\d.]+ anthropic\//);
      expect(catalog.priceFor(SONNET_MODEL)?.row).toMatchObject({ input: '3.0000000000' });
    });

    it('should be idempotent', async () => {
      const before = await countRows();
      const seeder = ctx.app.get(PriceSeeder);
      expect(await seeder.seed(loadSnapshot())).toEqual({ inserted: 0, corrected: 0 });
      expect(await seeder.seed(loadSnapshot())).toEqual({ inserted: 0, corrected: 0 });
      expect(await countRows()).toBe(before);
    });

    it('should add a corrected bundled price once, keeping the old row', async () => {
      const seeder = ctx.app.get(PriceSeeder);
      const entry = { model: 'cch-seed-test*', effectiveFrom: '1970-01-01T00:00:00.000Z' };
      const first = parseSnapshot({
        source: 'test@1',
        date: '2026-01-01',
        prices: [{ ...entry, input: '1', output: '2' }],
      });
      const second = parseSnapshot({
        source: 'test@2',
        date: '2026-02-01',
        prices: [{ ...entry, input: '1.5', output: '2' }],
      });
      expect(await seeder.seed(first)).toEqual({ inserted: 1, corrected: 0 });
      expect(await seeder.seed(first)).toEqual({ inserted: 0, corrected: 0 });
      expect(await seeder.seed(second)).toEqual({ inserted: 0, corrected: 1 });
      expect(await seeder.seed(second)).toEqual({ inserted: 0, corrected: 0 });
      expect(await countRows('model = $1', [entry.model])).toBe(2);
      expect(catalog.priceFor('cch-seed-test-x')?.row.input).toBe('1.5000000000');
      expect(catalog.priceFor('cch-seed-test-x', new Date('2026-01-15'))?.row.input).toBe(
        '1.0000000000',
      );
    });
  });

  describe('GET /api/prices', () => {
    it('should list the prices in force, paged, with plain decimals', async () => {
      const page = await api<PricePage>('GET', '/api/prices?page=1&pageSize=5');
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(5);
      expect(page.body.total).toBeGreaterThan(100);
      expect(page.body.total).toBeLessThanOrEqual(loadSnapshot().prices.length + 1);
    });

    it('should list the patterns that price a model, the winning one first', async () => {
      const page = await api<PricePage>('GET', `/api/prices?model=${SONNET_MODEL}`);
      expect(page.status).toBe(200);
      expect(page.body.items[0]).toMatchObject({
        model: SONNET,
        source: 'bundled',
        input: '3',
        output: '15',
        cacheWrite5m: '3.75',
        cacheWrite1h: '6',
        cacheRead: '0.3',
        longContextThreshold: 200000,
        longInput: '6',
      });
    });
  });

  describe('admin overrides', () => {
    it('should override, keep history, and revert to bundled on DELETE', async () => {
      const put = await api('PUT', path(SONNET), {
        body: { input: '4', output: '20', cacheRead: '0.4' },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        model: SONNET,
        source: 'admin',
        input: '4',
        output: '20',
        cacheRead: '0.4',
        cacheWrite5m: null,
        origin: 'admin-token',
      });

      const current = await api<PricePage>('GET', `/api/prices?model=${SONNET_MODEL}`);
      expect(current.body.items[0]).toMatchObject({ source: 'admin', input: '4' });
      // This replica reloaded at once; computing with the new price.
      expect(catalog.priceFor(SONNET_MODEL)?.version).toBe(put.body.id);
      expect(catalog.cost(SONNET_MODEL, USAGE, '1')).toEqual({
        costUsd: '0.024',
        priceVersion: put.body.id,
      });

      const history = await api<PricePage>(
        'GET',
        `/api/prices?history=true&model=${encodeURIComponent(SONNET)}`,
      );
      expect(history.body.items.map((item) => item.source)).toEqual(['bundled', 'admin']);

      const audit = await db.query<{ action: string; changes: Json }>(
        `SELECT action, changes FROM audit_log WHERE target_type = 'model_price' AND target_id = $1`,
        [put.body.id],
      );
      expect(audit.rows[0]).toMatchObject({
        action: 'price.set',
        changes: { model: SONNET, input: '4' },
      });

      expect((await api('DELETE', path(SONNET))).status).toBe(204);
      const reverted = await api<PricePage>('GET', `/api/prices?model=${SONNET_MODEL}`);
      expect(reverted.body.items[0]).toMatchObject({ source: 'bundled', input: '3' });
      expect(catalog.cost(SONNET_MODEL, USAGE, '1')?.costUsd).toBe('0.018');

      const after = await api<PricePage>(
        'GET',
        `/api/prices?history=true&model=${encodeURIComponent(SONNET)}`,
      );
      expect(after.body.items.map((item) => [item.source, item.tombstone])).toEqual([
        ['bundled', false],
        ['admin', false],
        ['admin', true],
      ]);
      expect((await api('DELETE', path(SONNET))).status).toBe(404);
    });

    it('should schedule a future price, and DELETE should drop it before it applies', async () => {
      const model = 'gpt-5-codex';
      const effectiveFrom = new Date(Date.now() + 86_400_000).toISOString();
      const put = await api('PUT', path(model), {
        body: { input: '9', output: '90', effectiveFrom },
      });
      expect(put.status).toBe(200);
      expect(put.body.effectiveFrom).toBe(effectiveFrom);
      expect(catalog.priceFor(model)?.row.source).toBe('bundled');
      expect(catalog.priceFor(model, new Date(Date.now() + 2 * 86_400_000))?.row.input).toBe(
        '9.0000000000',
      );

      expect((await api('DELETE', path(model))).status).toBe(204);
      expect(await countRows(`model = $1 AND source = 'admin' AND NOT tombstone`, [model])).toBe(0);
      expect(catalog.priceFor(model, new Date(Date.now() + 2 * 86_400_000))?.row.source).toBe(
        'bundled',
      );
    });

    it('should accept a new pattern with a slash and a long-context tier', async () => {
      const model = 'openrouter/anthropic/claude-test*';
      const put = await api('PUT', path(model), {
        body: {
          input: '2',
          output: '10',
          longContextThreshold: 1000,
          longInput: '4',
          longOutput: 20,
        },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ model, longContextThreshold: 1000, longOutput: '20' });
      // 1001 input > 1000: 1001×4 + 10×20 = 4204 per MTok; cache-less admin rows derive nothing here.
      expect(
        catalog.cost(
          'openrouter/anthropic/claude-test-1',
          { ...USAGE, inputTokens: 1001, outputTokens: 10 },
          '1',
        ),
      ).toMatchObject({ costUsd: '0.004204' });
    });

    it('should reload other replicas on the Redis announcement', async () => {
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO model_prices (model, source, input, output, effective_from)
         VALUES ('cch-pubsub-test', 'admin', 1, 1, now()) RETURNING id`,
      );
      const redis = new Redis(TEST_ENV.REDIS_URL);
      try {
        await redis.publish(PRICES_CHANGED_CHANNEL, '1');
      } finally {
        redis.disconnect();
      }
      const deadline = Date.now() + 5_000;
      while (catalog.priceFor('cch-pubsub-test') === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(catalog.priceFor('cch-pubsub-test')?.version).toBe(inserted.rows[0].id);
    });
  });

  describe('validation', () => {
    it('should answer 400 naming each bad decimal', async () => {
      const response = await api<BadRequest>('PUT', path('x-model'), {
        body: { input: 'cheap', output: '1e-7', cacheRead: '-1', cacheWrite5m: '0.12345678901' },
      });
      expect(response.status).toBe(400);
      expect(response.body.fields.map((entry) => entry.field).sort()).toEqual([
        'cacheRead',
        'cacheWrite5m',
        'input',
        'output',
      ]);
    });

    it('should answer 400 to missing prices, unknown fields and a half tier', async () => {
      const response = await api<BadRequest>('PUT', path('x-model'), {
        body: { longInput: '2', surprise: true },
      });
      expect(response.status).toBe(400);
      expect(response.body.fields.map((entry) => entry.field).sort()).toEqual([
        'input',
        'longContextThreshold',
        'longOutput',
        'output',
        'surprise',
      ]);
    });

    it('should answer 400 to a past effectiveFrom and a bad pattern', async () => {
      const past = await api<BadRequest>('PUT', path('x-model'), {
        body: { input: '1', output: '1', effectiveFrom: '2020-01-01T00:00:00Z' },
      });
      expect(past.status).toBe(400);
      expect(past.body.fields[0].field).toBe('effectiveFrom');
      const pattern = await api<BadRequest>('PUT', path('a*b'), {
        body: { input: '1', output: '1' },
      });
      expect(pattern.status).toBe(400);
      expect(pattern.body.fields[0].field).toBe('model');
      expect((await api('GET', '/api/prices?history=maybe')).status).toBe(400);
    });
  });

  describe('authentication and roles', () => {
    it('should answer 401 without credentials', async () => {
      expect((await api('GET', '/api/prices', { token: null })).status).toBe(401);
      expect((await api('PUT', path('x'), { token: null, body: {} })).status).toBe(401);
      expect((await api('DELETE', path('x'), { token: 'wrong' })).status).toBe(401);
    });

    it('should let finance read but not change, and refuse users', async () => {
      const finance = await keyWithRole('finance');
      expect((await api('GET', '/api/prices', { token: finance })).status).toBe(200);
      const body = { input: '1', output: '1' };
      expect((await api('PUT', path('x'), { token: finance, body })).status).toBe(403);
      expect((await api('DELETE', path('x'), { token: finance })).status).toBe(403);
      const user = await keyWithRole('user');
      expect((await api('GET', '/api/prices', { token: user })).status).toBe(403);
    });
  });

  describe('the ledger', () => {
    it('should keep the frozen cost of existing usage records when a price changes', async () => {
      const ledger = ctx.app.get(UsageRecordsRepository);
      const requestId = randomUUID();
      const priced = catalog.cost(SONNET_MODEL, USAGE, '1');
      expect(priced?.costUsd).toBe('0.018');
      await ledger.insertOnce({
        requestId,
        userId: randomUUID(),
        apiKeyId: randomUUID(),
        providerId: null,
        clientProtocol: 'anthropic',
        clientName: 'sdk',
        providerProtocol: 'anthropic',
        requestedModel: SONNET_MODEL,
        upstreamModel: SONNET_MODEL,
        sessionId: null,
        stream: false,
        ...USAGE,
        costUsd: priced?.costUsd ?? null,
        priceVersion: priced?.priceVersion ?? null,
        status: UsageStatus.Success,
        httpStatus: 200,
        stopReason: 'end_turn',
        errorClass: null,
        attempts: 1,
        durationMs: 10,
        ttfbMs: 5,
        createdAt: new Date().toISOString(),
      });
      const read = async (): Promise<Json> =>
        (
          await db.query<Json>(
            'SELECT cost_usd, price_version FROM usage_records WHERE request_id = $1',
            [requestId],
          )
        ).rows[0];
      const before = await read();

      expect(
        (await api('PUT', path(SONNET), { body: { input: '30', output: '150' } })).status,
      ).toBe(200);
      expect(catalog.cost(SONNET_MODEL, USAGE, '1')?.costUsd).toBe('0.18');
      expect(await read()).toEqual(before);
      expect(before).toEqual({ cost_usd: '0.0180000000', price_version: priced?.priceVersion });
      // The version still names the bundled row, which is still there.
      expect(await countRows('id = $1', [priced?.priceVersion])).toBe(1);
      expect((await api('DELETE', path(SONNET))).status).toBe(204);
    });
  });
});
