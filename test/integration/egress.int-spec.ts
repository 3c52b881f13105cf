import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { request } from 'undici';
import { parseEgressAllowlist } from '../../src/common/egress/egress-allowlist';
import {
  createGuardedAgent,
  EgressRefusedError,
  EgressResolver,
  isEgressRefused,
} from '../../src/common/egress/guarded-agent';
import { AppConfig } from '../../src/config/app-config';
import { loadEnv } from '../../src/config/load-env';
import { ProviderHealthService } from '../../src/health/provider-health.service';
import { ProvidersRepository } from '../../src/providers/providers.repository';
import { UpstreamClient, UpstreamRequest } from '../../src/proxy/upstream-client';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { askMessages, servedBy } from '../support/served-by';

/** An HTTP server on 127.0.0.1 that counts the TCP connections and requests reaching it. */
class CountingServer {
  connections = 0;
  requests: string[] = [];

  private constructor(readonly server: Server) {}

  static async start(
    handler: (url: string) => { status: number; headers?: Record<string, string> } = () => ({
      status: 200,
    }),
  ): Promise<CountingServer> {
    const server = createServer();
    const counting = new CountingServer(server);
    server.on('connection', () => (counting.connections += 1));
    server.on('request', (req, res) => {
      counting.requests.push(req.url ?? '');
      const { status, headers } = handler(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return counting;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An UpstreamClient configured as the gateway would be with this EGRESS_ALLOWLIST. */
function clientWith(allowlist: string | undefined): UpstreamClient {
  return new UpstreamClient(
    new AppConfig(loadEnv({ ...process.env, EGRESS_ALLOWLIST: allowlist })),
  );
}

const get = (url: string, extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  providerId: randomUUID(),
  url,
  method: 'GET',
  headers: {},
  timeouts: { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000 },
  signal: AbortSignal.timeout(10_000),
  ...extra,
});

describe('egress guard', () => {
  let target: CountingServer;

  beforeEach(async () => {
    target = await CountingServer.start();
  });

  afterEach(async () => {
    await target.close();
  });

  describe('UpstreamClient', () => {
    const clients: UpstreamClient[] = [];
    const client = (allowlist: string | undefined): UpstreamClient => {
      const created = clientWith(allowlist);
      clients.push(created);
      return created;
    };

    afterAll(async () => {
      await Promise.all(clients.map((created) => created.onApplicationShutdown()));
    });

    it('refuses a loopback provider the allowlist does not cover, before connecting', async () => {
      // NODE_ENV=test without EGRESS_ALLOWLIST permits nothing, like production.
      for (const allowlist of [undefined, 'relay.internal,10.0.0.0/8']) {
        const refused = client(allowlist).send(get(`${target.url}/v1/models`));
        await expect(refused).rejects.toBeInstanceOf(EgressRefusedError);
      }
      expect(target.connections).toBe(0);
    });

    it('refuses every literal spelling of loopback', async () => {
      const guarded = client('relay.internal');
      for (const host of ['2130706433', '0x7f.1', '017700000001', '127.1', '[::ffff:127.0.0.1]']) {
        const refused = guarded.send(get(`http://${host}:${target.port}/`));
        await expect(refused).rejects.toBeInstanceOf(EgressRefusedError);
      }
      expect(target.connections).toBe(0);
    });

    it('refuses a host name that resolves to loopback', async () => {
      const refused = client('127.0.0.2/32').send(get(`http://localhost:${target.port}/`));
      expect(isEgressRefused(await refused.catch((error: unknown) => error))).toBe(true);
      expect(target.connections).toBe(0);
    });

    it('allows the provider once the allowlist covers it', async () => {
      for (const allowlist of ['127.0.0.1/32', '127.0.0.0/8,::1/128']) {
        const response = await client(allowlist).send(get(`${target.url}/v1/models`));
        expect(response.statusCode).toBe(200);
        await response.body.dump();
      }
      expect(target.requests).toEqual(['/v1/models', '/v1/models']);
    });

    it('allows a provider with its own private-address permission', async () => {
      const response = await client(undefined).send(get(`${target.url}/`, { allowPrivate: true }));
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    });

    it('does not follow a redirect from an allowed server to another address', async () => {
      const elsewhere = await CountingServer.start();
      const redirecting = await CountingServer.start(() => ({
        status: 302,
        headers: { location: `${elsewhere.url}/stolen` },
      }));
      try {
        const response = await client('127.0.0.1/32').send(get(`${redirecting.url}/v1/models`));
        expect(response.statusCode).toBe(302);
        await response.body.dump();
        expect(redirecting.requests).toEqual(['/v1/models']);
        expect(elsewhere.connections).toBe(0);
      } finally {
        await redirecting.close();
        await elsewhere.close();
      }
    });
  });

  describe('DNS', () => {
    it('refuses a public-looking name that resolves to a private address', async () => {
      const resolve: EgressResolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      const agent = createGuardedAgent({ allowlist: parseEgressAllowlist([]), resolve });
      try {
        const refused = request(`http://api.provider.example:${target.port}/`, {
          dispatcher: agent,
        });
        await expect(refused).rejects.toBeInstanceOf(EgressRefusedError);
        expect(target.connections).toBe(0);
      } finally {
        await agent.close();
      }
    });

    it('refuses when any one of the resolved addresses is private', async () => {
      const resolve: EgressResolver = () =>
        Promise.resolve([
          { address: '93.184.215.14', family: 4 },
          { address: '169.254.169.254', family: 4 },
        ]);
      const agent = createGuardedAgent({ allowlist: parseEgressAllowlist([]), resolve });
      try {
        const refused = request('http://mixed.example/', { dispatcher: agent });
        await expect(refused).rejects.toBeInstanceOf(EgressRefusedError);
      } finally {
        await agent.close();
      }
    });

    it('connects to the address it checked, resolving once per connection', async () => {
      // A rebinding resolver: the first answer is checked and used, the second would be private
      // (here: a closed port would fail the test were it used).
      const answers = ['127.0.0.1', '10.0.0.1'];
      const resolve = jest.fn<ReturnType<EgressResolver>, Parameters<EgressResolver>>(() =>
        Promise.resolve([{ address: answers.shift() ?? '10.0.0.1', family: 4 }]),
      );
      const agent = createGuardedAgent({
        allowlist: parseEgressAllowlist(['127.0.0.1/32']),
        resolve,
      });
      try {
        const response = await request(`http://relay.example:${target.port}/ok`, {
          dispatcher: agent,
        });
        expect(response.statusCode).toBe(200);
        await response.body.dump();
        expect(resolve).toHaveBeenCalledTimes(1);
        expect(target.requests).toEqual(['/ok']);
      } finally {
        await agent.close();
      }
    });

    it('permits an allow-listed host name whatever it resolves to', async () => {
      const resolve: EgressResolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      const agent = createGuardedAgent({
        allowlist: parseEgressAllowlist(['relay.internal']),
        resolve,
      });
      try {
        const response = await request(`http://relay.internal:${target.port}/`, {
          dispatcher: agent,
        });
        expect(response.statusCode).toBe(200);
        await response.body.dump();
      } finally {
        await agent.close();
      }
    });
  });

  describe('the gateway and the health probes', () => {
    let ctx: TestApp;

    beforeAll(async () => {
      // An allowlist that does not cover the upstream on 127.0.0.1.
      ctx = await startTestApp({ EGRESS_ALLOWLIST: 'relay.internal' });
    });

    afterAll(async () => {
      await ctx.close();
    });

    it('never sends a gateway request to a provider on a refused address', async () => {
      const group = `g-${randomUUID().slice(0, 8)}`;
      await seedProvider(ctx.baseUrl, {
        baseUrl: target.url,
        apiKey: 'sk-ant-upstream',
        groups: [group],
      });
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      const response = await call(ctx.baseUrl, 'POST', '/v1/messages', {
        token: null,
        headers: { 'x-api-key': caller.key },
        body: {
          model: 'claude-sonnet-4-6',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        },
      });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(target.connections).toBe(0);
    });

    it('reports a health probe of such a provider as egress_refused', async () => {
      const id = await seedProvider(ctx.baseUrl, {
        baseUrl: target.url,
        apiKey: 'k',
        enabled: false,
      });
      const provider = await ctx.app.get(ProvidersRepository).findById(id);
      if (!provider) throw new Error('provider not found');
      const result = await ctx.app.get(ProviderHealthService).probe(provider);
      expect(result).toMatchObject({ ok: false, httpStatus: null, error: 'egress_refused' });
      expect(target.connections).toBe(0);
    });
  });

  describe('per-provider private egress (allowPrivateEgress)', () => {
    let ctx: TestApp;
    let db: Client;
    let guarded: FakeAnthropic;
    let permitted: FakeAnthropic;
    let guardedId: string;
    let caller: { key: string };

    beforeAll(async () => {
      // Production egress settings: no allowlist at all, so loopback is refused by default.
      ctx = await startTestApp({ NODE_ENV: 'production', EGRESS_ALLOWLIST: '' });
      db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
      await db.connect();
      guarded = await FakeAnthropic.start();
      permitted = await FakeAnthropic.start();
      const group = `g-${randomUUID().slice(0, 8)}`;
      guardedId = await seedProvider(ctx.baseUrl, {
        baseUrl: guarded.url,
        apiKey: guarded.apiKey,
        groups: [group],
        priority: 0,
      });
      await seedProvider(ctx.baseUrl, {
        baseUrl: permitted.url,
        apiKey: permitted.apiKey,
        groups: [group],
        priority: 1,
        allowPrivateEgress: true,
      });
      caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
    });

    afterAll(async () => {
      await guarded.close();
      await permitted.close();
      await db.end();
      await ctx.close();
    });

    const ask = () => askMessages(ctx.baseUrl, caller.key);

    it('defaults to false and reports the flag in the API', async () => {
      const response = await call(ctx.baseUrl, 'GET', `/api/providers/${guardedId}`);
      expect(response.body).toMatchObject({ allowPrivateEgress: false });
    });

    it('refuses the loopback provider without the flag and fails over to the permitted one', async () => {
      await servedBy(ask, permitted, guarded);
      expect(guarded.requests).toHaveLength(0);
    });

    it('serves through the provider once PATCH sets the flag, and refuses it again once cleared', async () => {
      const on = await call(ctx.baseUrl, 'PATCH', `/api/providers/${guardedId}`, {
        body: { allowPrivateEgress: true },
      });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ allowPrivateEgress: true });
      await servedBy(ask, guarded, permitted);

      const off = await call(ctx.baseUrl, 'PATCH', `/api/providers/${guardedId}`, {
        body: { allowPrivateEgress: false },
      });
      expect(off.status).toBe(200);
      await servedBy(ask, permitted, guarded);
      // Once the change is seen, the guarded provider gets nothing, not even on a kept-alive socket.
      const servedBefore = guarded.requests.length;
      for (let i = 0; i < 3; i += 1) expect((await ask()).status).toBe(200);
      expect(guarded.requests.length).toBe(servedBefore);

      const audit = await db.query<{ changes: Record<string, unknown> }>(
        `SELECT changes FROM audit_log WHERE target_id = $1 AND action = 'provider.update' ORDER BY created_at`,
        [guardedId],
      );
      expect(audit.rows.map((row) => row.changes)).toEqual([
        { allowPrivateEgress: true },
        { allowPrivateEgress: false },
      ]);
    });

    it('rejects a non-boolean flag with a 400 naming the field', async () => {
      const response = await call(ctx.baseUrl, 'PATCH', `/api/providers/${guardedId}`, {
        body: { allowPrivateEgress: 'yes' },
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain('allowPrivateEgress');
    });

    it('lets the health probe through only with the flag', async () => {
      const probe = () =>
        call<{ ok: boolean; error: string | null }>(
          ctx.baseUrl,
          'POST',
          `/api/providers/${guardedId}/test`,
        );
      const refused = await probe();
      expect(refused.body).toMatchObject({ ok: false, error: 'egress_refused' });

      await call(ctx.baseUrl, 'PATCH', `/api/providers/${guardedId}`, {
        body: { allowPrivateEgress: true },
      });
      const before = guarded.requests.length;
      const allowed = await probe();
      expect(allowed.body).toMatchObject({ ok: true, error: null });
      expect(guarded.requests.length).toBe(before + 1);
    });
  });
});
