import { PrivateRedis, waitFor } from '../support/redis-server';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

interface Readiness {
  status: string;
  checks: { postgres: string; redis: string };
}

async function readiness(baseUrl: string): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('health endpoints', () => {
  let redis: PrivateRedis;
  let postgres: TcpProxy;
  let ctx: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const pg = new URL(TEST_ENV.DATABASE_URL);
    postgres = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    pg.port = String(postgres.port);
    ctx = await startTestApp({
      REDIS_URL: redis.url,
      DATABASE_URL: pg.toString(),
      CCH_ROLES: 'admin',
    });
  });

  afterAll(async () => {
    await ctx.close();
    await redis.stop();
    await postgres.cut();
  });

  it('should answer /healthz while the process lives', async () => {
    const response = await fetch(`${ctx.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('should be ready while Postgres and Redis are reachable', async () => {
    expect(await readiness(ctx.baseUrl)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'up', redis: 'up' } },
    });
  });

  it('should turn 503 when Redis goes away and recover when it returns', async () => {
    await redis.stop();
    const down = await readiness(ctx.baseUrl);
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ postgres: 'up', redis: 'down' });

    await redis.restart();
    await waitFor(async () => (await readiness(ctx.baseUrl)).status === 200, 10_000);
  });

  it('should turn 503 when Postgres is unreachable and recover when it returns', async () => {
    await postgres.cut();
    const down = await readiness(ctx.baseUrl);
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ postgres: 'down', redis: 'up' });

    await postgres.open();
    await waitFor(async () => (await readiness(ctx.baseUrl)).status === 200, 10_000);
  });
});
