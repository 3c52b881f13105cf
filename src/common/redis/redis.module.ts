import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { closeRedis } from './close-redis';
import { coalesceWrites } from './coalesced-writes';
import { redisOptionsFromUrl } from './redis-connection';
import { REDIS_CLIENT } from './redis.tokens';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Redis => {
        // Commands issued in the same event-loop turn (by concurrent requests: limits, breaker
        // states, sessions) leave in one write instead of one syscall each; see coalesceWrites
        // for why this is not ioredis' auto-pipelining.
        const client = coalesceWrites(
          new Redis({ ...redisOptionsFromUrl(config.env.REDIS_URL), enableAutoPipelining: false }),
        );
        // Connection errors surface through failed commands; an unhandled 'error' event would crash.
        client.on('error', () => undefined);
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}
