import Redis from 'ioredis';
import { withTimeout } from '../async/with-timeout';

/**
 * Closes a client politely when Redis answers, and at once when it does not: a QUIT queued on a
 * client that is reconnecting would wait forever and keep its retry timer (and the process) alive.
 */
export async function closeRedis(client: Redis | null | undefined): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') {
    await withTimeout(client.quit(), 1_000).catch(() => undefined);
  }
  client.disconnect();
}
