import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { evalshaCommand } from './resp-command';

/**
 * The scripts each connection has been asked to load since it last (re)connected. A server that
 * restarts forgets its scripts, and a reconnect is when that can have happened.
 */
const loadedOn = new WeakMap<Redis, Set<string>>();

function loadedScripts(redis: Redis): Set<string> {
  let loaded = loadedOn.get(redis);
  if (!loaded) {
    const scripts = new Set<string>();
    redis.on('close', () => scripts.clear());
    loadedOn.set(redis, scripts);
    loaded = scripts;
  }
  return loaded;
}

/** A Lua script run by its SHA, loading it once when the server has not cached it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * EVALSHA. The first call on a connection (and the first after each reconnect) sends `SCRIPT
   * LOAD` right ahead of it, on the same connection and unawaited, so the script cannot be
   * missing when the EVALSHA runs. Answering NOSCRIPT with an EVAL instead would run this call
   * after whatever the connection sent behind it meanwhile: a turn's settlements after its
   * admissions, which then find the freed slots still held. EVAL remains the fallback for a
   * server whose scripts were flushed while the connection stayed up.
   */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    const loaded = loadedScripts(redis);
    if (!loaded.has(this.sha)) {
      loaded.add(this.sha);
      redis.script('LOAD', this.source).catch(() => loaded.delete(this.sha));
    }
    try {
      return await redis.sendCommand(evalshaCommand(this.sha, keys, args));
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
}
