import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { SessionStickiness } from '../../src/routing/session-stickiness';
import { TEST_ENV } from '../support/test-env';

describe('SessionStickiness (Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_ENV.REDIS_URL);
  });

  afterAll(async () => {
    await redis.quit();
  });

  function setup(ttlSeconds = 300): { stickiness: SessionStickiness; prefix: string } {
    const prefix = `cch:test:sticky:${randomUUID()}:`;
    return { stickiness: new SessionStickiness(redis, { ttlSeconds, keyPrefix: prefix }), prefix };
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    return redis.keys(`${prefix}*`);
  }

  it('should return null for a session that was never bound', async () => {
    const { stickiness, prefix } = setup();
    expect(await stickiness.get('user-1', 'session-1')).toBeNull();
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('should bind a session with the configured TTL and read it back', async () => {
    const { stickiness, prefix } = setup(300);
    await stickiness.bind('user-1', 'session-1', 'provider-a');
    expect(await stickiness.get('user-1', 'session-1')).toBe('provider-a');

    const keys = await keysUnder(prefix);
    expect(keys).toHaveLength(1);
    const ttl = await redis.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it('should refresh the TTL on every read', async () => {
    const { stickiness, prefix } = setup(300);
    await stickiness.bind('user-1', 'session-1', 'provider-a');
    const [key] = await keysUnder(prefix);
    // Pretend most of the TTL has elapsed.
    await redis.expire(key, 5);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(5);

    expect(await stickiness.get('user-1', 'session-1')).toBe('provider-a');
    expect(await redis.ttl(key)).toBeGreaterThan(290);
  });

  it('should replace an earlier binding and restart its TTL', async () => {
    const { stickiness, prefix } = setup(300);
    await stickiness.bind('user-1', 'session-1', 'provider-a');
    const [key] = await keysUnder(prefix);
    await redis.expire(key, 5);
    await stickiness.bind('user-1', 'session-1', 'provider-b');
    expect(await stickiness.get('user-1', 'session-1')).toBe('provider-b');
    expect(await redis.ttl(key)).toBeGreaterThan(290);
  });

  it('should keep users and sessions apart', async () => {
    const { stickiness } = setup();
    await stickiness.bind('user-1', 'shared-session', 'provider-a');
    await stickiness.bind('user-2', 'shared-session', 'provider-b');
    await stickiness.bind('user-1', 'other-session', 'provider-c');
    expect(await stickiness.get('user-1', 'shared-session')).toBe('provider-a');
    expect(await stickiness.get('user-2', 'shared-session')).toBe('provider-b');
    expect(await stickiness.get('user-1', 'other-session')).toBe('provider-c');
    expect(await stickiness.get('user-3', 'shared-session')).toBeNull();
    // Separators inside ids cannot make two (user, session) pairs collide.
    await stickiness.bind('u:1', 's', 'provider-d');
    expect(await stickiness.get('u', '1:s')).toBeNull();
  });

  it('should ignore empty session ids', async () => {
    const { stickiness, prefix } = setup();
    await stickiness.bind('user-1', '', 'provider-a');
    expect(await stickiness.get('user-1', '')).toBeNull();
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('should degrade to no stickiness when Redis is unreachable', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined);
    const errors: string[] = [];
    const stickiness = new SessionStickiness(unreachable, {
      onError: (_error, operation) => errors.push(operation),
    });
    try {
      await expect(stickiness.bind('user-1', 'session-1', 'p')).resolves.toBeUndefined();
      expect(await stickiness.get('user-1', 'session-1')).toBeNull();
      expect(errors).toEqual(['bind', 'get']);
    } finally {
      unreachable.disconnect();
    }
  });
});
