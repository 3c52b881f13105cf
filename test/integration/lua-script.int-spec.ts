import Redis from 'ioredis';
import { coalesceWrites } from '../../src/common/redis/coalesced-writes';
import { LuaScript } from '../../src/common/redis/lua-script';
import { PrivateRedis } from '../support/redis-server';

/** Echoes what the script was given, so a test sees exactly what reached Redis. */
const echo = new LuaScript(`
local out = {}
for i = 1, #KEYS do out[#out + 1] = 'K:' .. KEYS[i] end
for i = 1, #ARGV do out[#out + 1] = 'A:' .. ARGV[i] end
return out
`);

/** Calls of one command since the server started, from `INFO commandstats`. */
async function calls(redis: Redis, command: 'evalsha' | 'eval'): Promise<number> {
  const info = await redis.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

// A private server: the test flushes its script cache, which the shared Redis must never see.
describe('LuaScript (real Redis)', () => {
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    redis = coalesceWrites(new Redis(server.url, { enableOfflineQueue: false }));
    await new Promise((resolve) => redis.once('ready', resolve));
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('should hand Redis every key and argument unchanged, numbers as decimals', async () => {
    const keys = ['cch:lim:user:ü:rpm', 'ключ'];
    const args = [1_764_115_200_123, -1, 0, 'req_01J…', '', '👩‍💻', 2.5];
    expect(await echo.run(redis, keys, args)).toEqual([
      'K:cch:lim:user:ü:rpm',
      'K:ключ',
      'A:1764115200123',
      'A:-1',
      'A:0',
      'A:req_01J…',
      'A:',
      'A:👩‍💻',
      'A:2.5',
    ]);
  });

  it('should load the script with EVAL once the server has forgotten it, then use EVALSHA', async () => {
    await redis.script('FLUSH');
    const evalBefore = await calls(redis, 'eval');
    const evalshaBefore = await calls(redis, 'evalsha');

    expect(await echo.run(redis, ['a'], [1])).toEqual(['K:a', 'A:1']);
    expect(await calls(redis, 'eval')).toBe(evalBefore + 1);

    expect(await echo.run(redis, ['b'], [2])).toEqual(['K:b', 'A:2']);
    expect(await calls(redis, 'eval')).toBe(evalBefore + 1);
    // The refused EVALSHA (NOSCRIPT) counts too: one before the fallback, one after.
    expect(await calls(redis, 'evalsha')).toBe(evalshaBefore + 2);
  });

  it('should run a script new to the server in the order it was sent, before what follows it', async () => {
    await redis.script('FLUSH');
    const evalBefore = await calls(redis, 'eval');
    // A fresh connection has loaded nothing yet, as after a reconnect to a restarted server.
    const fresh = coalesceWrites(new Redis(server.url, { enableOfflineQueue: false }));
    await new Promise((resolve) => fresh.once('ready', resolve));
    try {
      const write = new LuaScript(`redis.call('SET', KEYS[1], ARGV[1]) return 1`);
      // One turn: the script, then a plain SET behind it on the same connection. Had the script
      // been answered NOSCRIPT and sent again as EVAL, it would have run last and won.
      const done = Promise.all([
        write.run(fresh, ['order'], ['script']),
        fresh.set('order', 'set'),
      ]);
      await done;
      expect(await fresh.get('order')).toBe('set');
      expect(await calls(fresh, 'eval')).toBe(evalBefore);
    } finally {
      fresh.disconnect();
    }
  });

  it('should give each of many calls of one event-loop turn its own reply', async () => {
    const runs = Array.from({ length: 50 }, (_, index) =>
      echo.run(redis, [`key-${index}`], [index, `arg-${index}`]),
    );
    const replies = await Promise.all(runs);
    replies.forEach((reply, index) => {
      expect(reply).toEqual([`K:key-${index}`, `A:${index}`, `A:arg-${index}`]);
    });
  });

  it('should pass a script error on as a rejection', async () => {
    const failing = new LuaScript("return redis.error_reply('ERR limits: broken')");
    await expect(failing.run(redis, [], [])).rejects.toThrow('ERR limits: broken');
  });
});
