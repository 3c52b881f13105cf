import Redis from 'ioredis';
import { AdminAuthLimiter } from './admin-auth-limiter';

describe('AdminAuthLimiter', () => {
  it('should fail open when Redis is unreachable', async () => {
    const down = new Error('Connection is closed.');
    const redis = {
      multi: () => ({ get: () => ({ pttl: () => ({ exec: () => Promise.reject(down) }) }) }),
      eval: () => Promise.reject(down),
    } as unknown as Redis;
    const limiter = new AdminAuthLimiter(redis);
    await expect(limiter.recordFailure('192.0.2.1')).resolves.toBeNull();
    await expect(limiter.retryAfterSeconds('192.0.2.1')).resolves.toBeNull();
  });
});
