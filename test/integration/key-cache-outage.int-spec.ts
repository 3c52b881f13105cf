import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { generateApiKey } from '../../src/common/crypto/api-key';
import { GatewayError } from '../../src/common/errors/gateway-error';
import { REDIS_CLIENT } from '../../src/common/redis/redis.tokens';
import { GatewayKeyService } from '../../src/gateway/auth/gateway-key.service';
import { PrivatePostgres } from '../support/postgres-server';
import { PrivateRedis, waitFor } from '../support/redis-server';
import { seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';

/** The GatewayError code a rejected lookup throws, or 'ok'. */
async function outcome(keys: GatewayKeyService, key: string): Promise<string> {
  try {
    await keys.authenticate(key);
    return 'ok';
  } catch (error: unknown) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
}

/**
 * A Redis restart during a Postgres outage: the key-invalidation subscriber comes back and drops
 * the in-process key cache (announcements made meanwhile are lost), while the main Redis client
 * may still be reconnecting. Keys in use just before must keep working for a bounded time.
 */
describe('Gateway keys: Redis back while Postgres is down', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let ctx: TestApp;
  let keys: GatewayKeyService;
  let main: Redis;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
    redis = await PrivateRedis.start();
    ctx = await startTestApp({ DATABASE_URL: postgres.urlFor('cch'), REDIS_URL: redis.url });
    keys = ctx.app.get(GatewayKeyService);
    main = ctx.app.get<Redis>(REDIS_CLIENT);
  });

  afterAll(async () => {
    if (main.status === 'end') await main.connect().catch(() => undefined);
    await ctx.close();
    await redis.stop();
    await postgres.destroy();
  });

  it('should accept a key it knew for 5 s, and no key it never saw', async () => {
    const { key } = await seedUserAndKey(ctx.baseUrl, { name: `u-${randomUUID()}` });
    expect(await outcome(keys, key)).toBe('ok');

    await postgres.kill();
    // The subscriber's connection drops and comes back (a Redis restart, as far as it can tell).
    const admin = new Redis(redis.url);
    const subscribers = () => admin.client('LIST').then((list) => String(list).split('\n'));
    const before = (await subscribers()).filter((line) => line.includes('sub=1')).length;
    expect(before).toBeGreaterThan(0);
    await admin.client('KILL', 'TYPE', 'pubsub');
    await waitFor(
      async () => (await subscribers()).filter((line) => line.includes('sub=1')).length >= before,
      10_000,
    );
    // Give the subscriber's 'ready' handler its turn, then take the main client away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    main.disconnect();
    await admin.quit();

    // Neither Redis nor Postgres can answer: the key valid a moment ago still passes…
    expect(await outcome(keys, key)).toBe('ok');
    // …a key never seen cannot be judged: 503, not 401…
    expect(await outcome(keys, generateApiKey().plaintext)).toBe('UPSTREAM_UNAVAILABLE');
    // …and only for the bounded time.
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    expect(await outcome(keys, key)).toBe('UPSTREAM_UNAVAILABLE');
  }, 60_000);
});
