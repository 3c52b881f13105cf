import { spawn } from 'node:child_process';
import { freePort } from './free-port.mjs';

/**
 * A redis-server of the bench's own on a free port, without persistence, so that resetting its
 * statistics or flushing it touches nothing shared. `Redis` is the ioredis class of the checkout
 * under test; `clientOptions` go to the returned client. The caller kills `child` at the end.
 */
export async function startPrivateRedis(Redis, clientOptions = {}) {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let attempt = 0; ; attempt += 1) {
    // A fresh client per attempt: after a failed connect ioredis keeps reconnecting on its own,
    // and a second connect() on the same client is refused.
    const redis = new Redis({
      ...clientOptions,
      port,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return { child, redis, port };
    } catch (error) {
      redis.disconnect();
      if (attempt > 50) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }
}
