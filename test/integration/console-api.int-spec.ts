import Redis from 'ioredis';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { FakeAnthropic } from '../support/fake-anthropic';

/** Admin endpoints the console needs: whoami, a user's own keys, provider status. */
describe('console admin API', () => {
  let ctx: TestApp;
  let upstream: FakeAnthropic;
  let redis: Redis;

  beforeAll(async () => {
    [ctx, upstream] = await Promise.all([startTestApp(), FakeAnthropic.start()]);
    redis = new Redis(TEST_ENV.REDIS_URL);
  });

  afterAll(async () => {
    redis?.disconnect();
    await upstream?.close();
    await ctx?.close();
  });

  describe('GET /api/session', () => {
    it('says the admin token is an admin with no user', async () => {
      const response = await call(ctx.baseUrl, 'GET', '/api/session');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        kind: 'admin-token',
        role: 'admin',
        userId: null,
        userName: null,
        keyId: null,
      });
    });

    it.each(['user', 'finance', 'admin'])(
      'names the user and role behind a %s key',
      async (role) => {
        const seeded = await seedUserAndKey(ctx.baseUrl, { role, name: `who-${role}` });
        const response = await call(ctx.baseUrl, 'GET', '/api/session', { token: seeded.key });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          kind: 'user',
          role,
          userId: seeded.userId,
          userName: `who-${role}`,
          keyId: seeded.keyId,
        });
      },
    );

    it('refuses a missing or wrong credential', async () => {
      expect((await call(ctx.baseUrl, 'GET', '/api/session', { token: null })).status).toBe(401);
      expect(
        (await call(ctx.baseUrl, 'GET', '/api/session', { token: 'sk-cch-nope' })).status,
      ).toBe(401);
    });

    it('is documented in Swagger', async () => {
      const docs = await call<{ paths: Record<string, unknown> }>(ctx.baseUrl, 'GET', '/docs-json');
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/api/session', '/api/me/keys', '/api/providers/status']),
      );
    });
  });

  describe('GET /api/me/keys', () => {
    it("lists the caller's user's keys, revoked ones too, never a secret", async () => {
      const me = await seedUserAndKey(ctx.baseUrl, {}, { name: 'first' });
      const second = await call(ctx.baseUrl, 'POST', `/api/users/${me.userId}/keys`, {
        body: { name: 'second' },
      });
      await call(ctx.baseUrl, 'DELETE', `/api/keys/${String(second.body.id)}`);
      const other = await seedUserAndKey(ctx.baseUrl);

      const response = await call<Record<string, unknown>[]>(ctx.baseUrl, 'GET', '/api/me/keys', {
        token: me.key,
      });
      expect(response.status).toBe(200);
      expect(response.body.map((key) => key.name)).toEqual(['first', 'second']);
      expect(response.body.map((key) => key.id)).not.toContain(other.keyId);
      expect(response.body[1]?.revokedAt).not.toBeNull();
      const text = JSON.stringify(response.body);
      expect(text).not.toContain(me.key);
      expect(text).not.toMatch(/keyHash|"key"/);
    });

    it('refuses the admin token, which belongs to no user', async () => {
      expect((await call(ctx.baseUrl, 'GET', '/api/me/keys')).status).toBe(403);
    });
  });

  describe('GET /api/providers/status', () => {
    it('gives every provider its breaker state and latest health, for admin and finance', async () => {
      const id = await seedProvider(ctx.baseUrl, {
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
      });
      const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance' });

      type Status = { id: string; breaker: string; health: { ok: boolean } | null };
      const find = async (token?: string): Promise<Status | undefined> => {
        const response = await call<Status[]>(ctx.baseUrl, 'GET', '/api/providers/status', {
          token,
        });
        expect(response.status).toBe(200);
        return response.body.find((entry) => entry.id === id);
      };
      expect(await find()).toMatchObject({ breaker: 'closed', health: null, enabled: true });

      expect((await call(ctx.baseUrl, 'POST', `/api/providers/${id}/test`)).status).toBe(200);
      // The breaker is shared state in Redis; an opened-just-now entry means "open".
      await redis.set(`cch:cb:{${id}}:state`, String(Date.now()), 'PX', 60_000);
      const status = await find(finance.key);
      expect(status).toMatchObject({ breaker: 'open', health: { ok: true } });
      expect(JSON.stringify(status)).not.toContain(upstream.apiKey);
    });

    it('is closed to the user role', async () => {
      const user = await seedUserAndKey(ctx.baseUrl);
      const response = await call(ctx.baseUrl, 'GET', '/api/providers/status', {
        token: user.key,
      });
      expect(response.status).toBe(403);
    });
  });
});
