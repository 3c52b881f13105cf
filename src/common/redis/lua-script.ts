import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { evalshaCommand } from './resp-command';

/** A Lua script run by its SHA, loading it once when the server has not cached it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA, falling back to EVAL once when the server answers NOSCRIPT. */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
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
