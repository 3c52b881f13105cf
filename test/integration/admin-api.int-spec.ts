import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { call } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

type Json = Record<string, unknown>;

/** Provider names are unique among live providers; suffix them so reruns never collide. */
const RUN = Math.random().toString(36).slice(2, 8);

describe('Admin API', () => {
  let ctx: TestApp;
  let db: Client;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await ctx.close();
  });

  const api = <T = Json>(method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call<T>(ctx.baseUrl, method, path, options);

  async function createUser(body: Json = {}): Promise<Json> {
    const response = await api('POST', '/api/users', { body: { name: 'someone', ...body } });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function createKey(userId: string, body: Json = {}): Promise<Json> {
    const response = await api('POST', `/api/users/${userId}/keys`, {
      body: { name: 'laptop', ...body },
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  describe('authentication and roles', () => {
    it('should answer 401 without credentials and with a wrong token', async () => {
      expect((await api('GET', '/api/users', { token: null })).status).toBe(401);
      expect((await api('GET', '/api/users', { token: 'wrong-token' })).status).toBe(401);
      const viaHeader = await api('GET', '/api/users', {
        token: null,
        headers: { 'x-api-key': 'sk-cch-not-a-real-key' },
      });
      expect(viaHeader.status).toBe(401);
    });

    it('should accept a gateway key of an admin user, as Bearer or x-api-key', async () => {
      const admin = await createUser({ role: 'admin' });
      const { key } = await createKey(String(admin.id));
      expect((await api('GET', '/api/users', { token: String(key) })).status).toBe(200);
      const viaHeader = await api('GET', '/api/users', {
        token: null,
        headers: { 'x-api-key': String(key) },
      });
      expect(viaHeader.status).toBe(200);
    });

    it('should answer 403 to finance and user roles on user management', async () => {
      for (const role of ['finance', 'user']) {
        const user = await createUser({ role });
        const { key } = await createKey(String(user.id));
        const response = await api('GET', '/api/users', { token: String(key) });
        expect(response.status).toBe(403);
        expect((await api('POST', '/api/providers', { token: String(key), body: {} })).status).toBe(
          403,
        );
      }
    });

    it('should refuse a revoked, disabled or expired admin key with 401', async () => {
      const admin = await createUser({ role: 'admin' });
      const revoked = await createKey(String(admin.id));
      expect((await api('DELETE', `/api/keys/${String(revoked.id)}`)).status).toBe(204);
      expect((await api('GET', '/api/users', { token: String(revoked.key) })).status).toBe(401);

      const disabled = await createKey(String(admin.id));
      await api('PATCH', `/api/keys/${String(disabled.id)}`, { body: { enabled: false } });
      expect((await api('GET', '/api/users', { token: String(disabled.key) })).status).toBe(401);

      const expired = await createKey(String(admin.id), {
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      });
      expect((await api('GET', '/api/users', { token: String(expired.key) })).status).toBe(401);
    });
  });

  describe('users', () => {
    it('should create, read, list, update and delete a user', async () => {
      const created = await createUser({
        name: 'Ada',
        role: 'finance',
        providerGroup: 'team-a',
        allowedModels: ['claude-sonnet-4*'],
        limits: { rpm: 10, usdDaily: 2.5 },
        expiresAt: '2030-01-01T00:00:00.000Z',
      });
      expect(created).toMatchObject({
        name: 'Ada',
        role: 'finance',
        providerGroup: 'team-a',
        allowedModels: ['claude-sonnet-4*'],
        limits: { rpm: 10, usdDaily: '2.5' },
        enabled: true,
        expiresAt: '2030-01-01T00:00:00.000Z',
      });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

      const id = String(created.id);
      expect((await api('GET', `/api/users/${id}`)).body).toMatchObject({ name: 'Ada' });

      const updated = await api('PATCH', `/api/users/${id}`, {
        body: { name: 'Ada L.', enabled: false, limits: { usdMonthly: '100' } },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        name: 'Ada L.',
        enabled: false,
        limits: { usdMonthly: '100' },
        role: 'finance',
      });

      expect((await api('DELETE', `/api/users/${id}`)).status).toBe(204);
      expect((await api('GET', `/api/users/${id}`)).status).toBe(404);
      expect((await api('DELETE', `/api/users/${id}`)).status).toBe(404);
    });

    it('should page the user list with a total', async () => {
      for (let index = 0; index < 3; index += 1) await createUser({ name: `pager-${index}` });
      const first = await api<{ items: Json[]; total: number }>(
        'GET',
        '/api/users?page=1&pageSize=2',
      );
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.total).toBeGreaterThanOrEqual(3);
      const second = await api<{ items: Json[] }>('GET', '/api/users?page=2&pageSize=2');
      const firstIds = first.body.items.map((user) => user.id);
      expect(second.body.items.every((user) => !firstIds.includes(user.id))).toBe(true);
      expect((await api('GET', '/api/users?pageSize=0')).status).toBe(400);
    });

    it('should answer 400 with a message per bad field', async () => {
      const response = await api<{ fields: { field: string; messages: string[] }[] }>(
        'POST',
        '/api/users',
        { body: { name: '', role: 'boss', limits: { rpm: 0, usdDaily: 'lots' }, surprise: 1 } },
      );
      expect(response.status).toBe(400);
      const fields = response.body.fields.map((entry) => entry.field).sort();
      expect(fields).toEqual(['limits.rpm', 'limits.usdDaily', 'name', 'role', 'surprise']);
    });

    it('should answer 400 to a malformed id and 404 to an unknown one', async () => {
      expect((await api('GET', '/api/users/not-a-uuid')).status).toBe(400);
      expect((await api('GET', '/api/users/00000000-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
      expect(
        (await api('PATCH', '/api/users/00000000-0000-4000-8000-000000000000', { body: {} }))
          .status,
      ).toBe(404);
    });

    it('should revoke every key of a deleted user', async () => {
      const admin = await createUser({ role: 'admin' });
      const { key } = await createKey(String(admin.id));
      expect((await api('DELETE', `/api/users/${String(admin.id)}`)).status).toBe(204);
      expect((await api('GET', '/api/users', { token: String(key) })).status).toBe(401);
      const rows = await db.query('SELECT revoked_at FROM api_keys WHERE user_id = $1', [admin.id]);
      expect(rows.rows.every((row: { revoked_at: Date | null }) => row.revoked_at !== null)).toBe(
        true,
      );
    });
  });

  describe('keys', () => {
    it('should return the plaintext key once and store only its SHA-256 hash', async () => {
      const user = await createUser();
      const created = await createKey(String(user.id), { limits: { rpm: 3 } });
      const key = String(created.key);
      expect(key).toMatch(/^sk-cch-[0-9A-Za-z]{48}$/);
      expect(key.startsWith(String(created.keyPrefix))).toBe(true);

      const row = await db.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
      const stored = JSON.stringify(row.rows[0]);
      expect(stored).not.toContain(key);
      expect(row.rows[0].key_hash).toBe(createHash('sha256').update(key).digest('hex'));

      const listed = await api<Json[]>('GET', `/api/users/${String(user.id)}/keys`);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(key);
      expect(listed.body[0]).not.toHaveProperty('key');
      expect(listed.body[0]).toMatchObject({ name: 'laptop', limits: { rpm: 3 }, revokedAt: null });
    });

    it('should rename, disable, limit and expire a key, then revoke it', async () => {
      const user = await createUser();
      const created = await createKey(String(user.id));
      const id = String(created.id);
      const patched = await api('PATCH', `/api/keys/${id}`, {
        body: {
          name: 'desktop',
          enabled: false,
          limits: { usdTotal: '50' },
          expiresAt: '2031-01-01T00:00:00Z',
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: 'desktop',
        enabled: false,
        limits: { usdTotal: '50' },
        expiresAt: '2031-01-01T00:00:00.000Z',
      });
      expect((await api('DELETE', `/api/keys/${id}`)).status).toBe(204);
      const listed = await api<Json[]>('GET', `/api/users/${String(user.id)}/keys`);
      expect(listed.body[0]?.revokedAt).not.toBeNull();
    });

    it('should answer 404 for keys of unknown users and unknown keys, 400 for bad bodies', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect(
        (await api('POST', `/api/users/${unknown}/keys`, { body: { name: 'x' } })).status,
      ).toBe(404);
      expect((await api('GET', `/api/users/${unknown}/keys`)).status).toBe(404);
      expect((await api('PATCH', `/api/keys/${unknown}`, { body: { name: 'x' } })).status).toBe(
        404,
      );
      expect((await api('DELETE', `/api/keys/${unknown}`)).status).toBe(404);
      const user = await createUser();
      const bad = await api('POST', `/api/users/${String(user.id)}/keys`, {
        body: { expiresAt: 'tomorrow-ish' },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('name');
      expect(JSON.stringify(bad.body)).toContain('expiresAt');
    });
  });

  describe('providers', () => {
    const upstreamKey = 'sk-ant-api03-very-secret-upstream-key-0001';

    it('should store the upstream key encrypted and never return it', async () => {
      const created = await api('POST', '/api/providers', {
        body: {
          name: `anthropic-main-${RUN}`,
          type: 'anthropic',
          baseUrl: 'https://api.anthropic.com/',
          apiKey: upstreamKey,
          weight: 3,
          priority: 1,
          groups: ['default', 'team-a'],
          models: ['claude-*'],
          modelRedirects: { 'claude-3-5-sonnet*': 'claude-sonnet-4-5' },
          costMultiplier: 1.25,
          timeouts: { connectMs: 3000, firstByteMs: 30000, idleMs: 60000 },
          limits: { usdDaily: '100' },
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: `anthropic-main-${RUN}`,
        type: 'anthropic',
        baseUrl: 'https://api.anthropic.com',
        apiKeyPreview: 'sk-a…0001',
        weight: 3,
        priority: 1,
        groups: ['default', 'team-a'],
        costMultiplier: '1.2500',
        authScheme: 'native',
      });
      expect(JSON.stringify(created.body)).not.toContain(upstreamKey);

      const id = String(created.body.id);
      const row = await db.query('SELECT * FROM providers WHERE id = $1', [id]);
      expect(JSON.stringify(row.rows[0])).not.toContain(upstreamKey);
      expect(row.rows[0].api_key_encrypted).toMatch(/^v1:/);

      for (const path of [`/api/providers/${id}`, '/api/providers']) {
        const response = await api('GET', path);
        expect(response.status).toBe(200);
        expect(JSON.stringify(response.body)).not.toContain(upstreamKey);
        expect(JSON.stringify(response.body)).not.toContain('api_key_encrypted');
      }
    });

    it('should update, rotate the key, and delete a provider', async () => {
      const created = await api('POST', '/api/providers', {
        body: {
          name: `chat-relay-${RUN}`,
          type: 'openai-chat',
          baseUrl: 'http://relay.internal:8080/v1',
          apiKey: 'sk-old-key-123456',
        },
      });
      const id = String(created.body.id);
      const before = await db.query('SELECT api_key_encrypted FROM providers WHERE id = $1', [id]);
      const updated = await api('PATCH', `/api/providers/${id}`, {
        body: { apiKey: 'sk-new-key-654321', enabled: false, authScheme: 'x-api-key' },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        enabled: false,
        apiKeyPreview: 'sk-n…4321',
        authScheme: 'x-api-key',
      });
      const after = await db.query('SELECT api_key_encrypted FROM providers WHERE id = $1', [id]);
      expect(after.rows[0].api_key_encrypted).not.toBe(before.rows[0].api_key_encrypted);

      expect((await api('DELETE', `/api/providers/${id}`)).status).toBe(204);
      expect((await api('GET', `/api/providers/${id}`)).status).toBe(404);
      // The name is free again once the provider is deleted.
      const again = await api('POST', '/api/providers', {
        body: {
          name: `chat-relay-${RUN}`,
          type: 'openai-chat',
          baseUrl: 'http://relay',
          apiKey: 'k-1',
        },
      });
      expect(again.status).toBe(201);
    });

    it('should refuse a duplicate name with 409 and bad fields with 400', async () => {
      const body = {
        name: `dup-${RUN}`,
        type: 'gemini',
        baseUrl: 'https://g.example',
        apiKey: 'g-key',
      };
      expect((await api('POST', '/api/providers', { body })).status).toBe(201);
      expect((await api('POST', '/api/providers', { body })).status).toBe(409);

      const bad = await api<{ fields: { field: string }[] }>('POST', '/api/providers', {
        body: {
          name: 'x',
          type: 'cohere',
          baseUrl: 'ftp://nope',
          weight: -1,
          costMultiplier: 'cheap',
          modelRedirects: { a: 3 },
          timeouts: { connectMs: 5 },
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((entry) => entry.field).sort()).toEqual(
        [
          'apiKey',
          'baseUrl',
          'costMultiplier',
          'modelRedirects',
          'timeouts.connectMs',
          'type',
          'weight',
        ].sort(),
      );
    });
  });

  describe('audit log', () => {
    it('should record who changed what, with secrets redacted', async () => {
      const secret = 'sk-audit-secret-should-not-appear-000';
      const created = await api('POST', '/api/providers', {
        body: {
          name: `audited-${RUN}`,
          type: 'openai-responses',
          baseUrl: 'https://o.example',
          apiKey: secret,
        },
      });
      const requestId = created.headers.get('x-cch-request-id');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const id = String(created.body.id);
      await api('PATCH', `/api/providers/${id}`, { body: { apiKey: `${secret}-2`, weight: 9 } });

      const user = await createUser({ name: 'audited-user' });
      const key = await createKey(String(user.id));

      const rows = await db.query(
        `SELECT actor, action, target_id, changes, request_id FROM audit_log
          WHERE target_id = ANY($1) ORDER BY id`,
        [[id, String(user.id), String(key.id)]],
      );
      const actions = rows.rows.map((row: { action: string }) => row.action);
      expect(actions).toEqual(['provider.create', 'provider.update', 'user.create', 'key.create']);
      expect(rows.rows[0]).toMatchObject({
        actor: 'admin-token',
        request_id: requestId,
      });
      expect(rows.rows[1].changes).toMatchObject({ apiKey: '[redacted]', weight: 9 });
      const everything = JSON.stringify(rows.rows);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(String(key.key));
    });

    it('should name the admin user as actor when a gateway key is used', async () => {
      const admin = await createUser({ role: 'admin' });
      const { key } = await createKey(String(admin.id));
      const created = await api('POST', '/api/users', {
        token: String(key),
        body: { name: 'by-key' },
      });
      const rows = await db.query('SELECT actor FROM audit_log WHERE target_id = $1', [
        created.body.id,
      ]);
      expect(rows.rows[0].actor).toBe(`user:${String(admin.id)}`);
    });
  });

  describe('documentation', () => {
    it('should publish every admin route in the OpenAPI document and serve Swagger UI', async () => {
      const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(
        'GET',
        '/docs-json',
        { token: null },
      );
      expect(doc.status).toBe(200);
      const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes).toEqual(
        expect.arrayContaining([
          'POST /api/users',
          'GET /api/users',
          'GET /api/users/{id}',
          'PATCH /api/users/{id}',
          'DELETE /api/users/{id}',
          'POST /api/users/{id}/keys',
          'GET /api/users/{id}/keys',
          'PATCH /api/keys/{id}',
          'DELETE /api/keys/{id}',
          'POST /api/providers',
          'GET /api/providers',
          'GET /api/providers/{id}',
          'PATCH /api/providers/{id}',
          'DELETE /api/providers/{id}',
        ]),
      );
      const ui = await fetch(`${ctx.baseUrl}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
    });
  });
});
