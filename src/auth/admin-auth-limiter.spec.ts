import Redis from 'ioredis';
import { AdminAuthLimiter, LIMITER_UNAVAILABLE } from './admin-auth-limiter';

describe('AdminAuthLimiter', () => {
  const down = new Error('Connection is closed.');
  const redis = {
    multi: () => ({ get: () => ({ pttl: () => ({ exec: () => Promise.reject(down) }) }) }),
    eval: () => Promise.reject(down),
  } as unknown as Redis;

  it('should fail open when Redis is unreachable', async () => {
    const limiter = new AdminAuthLimiter(redis);
    await expect(limiter.recordFailure('192.0.2.1')).resolves.toBeNull();
    await expect(limiter.retryAfterSeconds('192.0.2.1')).resolves.toBeNull();
  });

  it('should answer "unavailable" when Redis is unreachable and it fails closed', async () => {
    const limiter = new AdminAuthLimiter(redis, { failOpen: false });
    await expect(limiter.retryAfterSeconds('192.0.2.1')).resolves.toBe(LIMITER_UNAVAILABLE);
  });
});
