import { spawn } from 'node:child_process';
import { freePort } from './free-port.mjs';

/**
 * A redis-server of the bench's own on a free port, without persistence, so that resetting its
 * statistics or flushing it touches nothing shared. `Redis` is the ioredis class of the checkout
 * under test; `clientOptions` go to the returned client; `prefix` is a command that runs the
 * server (valgrind's, see callgrind.mjs), whose pid is then the server's, in `env`. The caller
 * kills `child` at the end.
 */
export async function startPrivateRedis(Redis, clientOptions = {}, prefix = [], env = process.env) {
  const port = await freePort();
  const [command, ...args] = [...prefix, 'redis-server'];
  const child = spawn(
    command,
    [...args, '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore', env },
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
      // Under valgrind the server takes seconds to start.
      if (attempt > (prefix.length > 0 ? 300 : 50)) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }
}
