import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { coalesceWrites } from '../../src/common/redis/coalesced-writes';
import { redisOptionsFromUrl } from '../../src/common/redis/redis-connection';
import { TEST_ENV } from '../support/test-env';

/** Node's own flushes of a socket: `_write` takes one chunk, `_writev` a corked batch. */
interface SocketFlushes {
  single: number;
  batched: number[];
}

/** Counts the socket's flushes from now on (each is one syscall on a plain TCP socket). */
function countFlushes(client: Redis): SocketFlushes {
  const socket = client.stream as unknown as {
    _write: (...args: unknown[]) => unknown;
    _writev: (chunks: unknown[], ...rest: unknown[]) => unknown;
  };
  const flushes: SocketFlushes = { single: 0, batched: [] };
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (...args) => {
    flushes.single += 1;
    return write(...args);
  };
  socket._writev = (chunks, ...rest) => {
    flushes.batched.push(chunks.length);
    return writev(chunks, ...rest);
  };
  return flushes;
}

async function ready(client: Redis): Promise<Redis> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

describe('coalesceWrites (real Redis)', () => {
  const clients: Redis[] = [];
  const prefix = `cch:test:coalesce:${randomUUID()}:`;

  async function connect(coalesced: boolean): Promise<Redis> {
    const client = new Redis({ ...redisOptionsFromUrl(TEST_ENV.REDIS_URL) });
    clients.push(client);
    return ready(coalesced ? coalesceWrites(client) : client);
  }

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
  });

  it('sends the commands of one turn in one flush, with every reply right', async () => {
    const client = await connect(true);
    const flushes = countFlushes(client);
    const keys = Array.from({ length: 20 }, (_, i) => `${prefix}k${i}`);
    const replies = await Promise.all([
      ...keys.map((key, i) => client.set(key, String(i), 'PX', 60_000)),
      client.mget(...keys),
    ]);
    // The MGET was issued in the same turn as the SETs, behind them: it sees every value.
    expect(replies.at(-1)).toEqual(keys.map((_, i) => String(i)));
    expect(flushes).toEqual({ single: 0, batched: [21] });
  });

  it('the same commands without it leave in one write each (the control)', async () => {
    const client = await connect(false);
    const flushes = countFlushes(client);
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`${prefix}k${i}`)));
    expect(flushes.single + flushes.batched.length).toBeGreaterThan(1);
  });

  it('flushes every turn on its own: commands awaited one by one never wait on each other', async () => {
    const client = await connect(true);
    const flushes = countFlushes(client);
    for (let i = 0; i < 50; i += 1) {
      expect(await client.incr(`${prefix}counter`)).toBe(i + 1);
    }
    expect(flushes.single + flushes.batched.length).toBe(50);
  });

  it('keeps working on the new socket after the connection was killed', async () => {
    const client = await connect(true);
    const admin = await connect(false);
    const id = await client.client('ID');
    const reconnected = new Promise((resolve) => client.once('ready', resolve));
    await admin.client('KILL', 'ID', String(id));
    await reconnected;
    const flushes = countFlushes(client);
    const replies = await Promise.all([client.ping(), client.echo('after'), client.ping()]);
    expect(replies).toEqual(['PONG', 'after', 'PONG']);
    expect(flushes).toEqual({ single: 0, batched: [3] });
  });
});
