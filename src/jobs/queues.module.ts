import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { ConnectionOptions } from 'bullmq';
import { redisOptionsFromUrl } from '../common/redis/redis-connection';
import { AppConfig } from '../config/app-config';
import { QueueName } from './queue-names';

function bullConnection(url: string): ConnectionOptions {
  const { host, port, username, password, db, tls, connectTimeout } = redisOptionsFromUrl(url);
  return {
    host,
    port,
    username,
    password,
    db,
    tls,
    connectTimeout,
    // BullMQ's blocking worker connections need unlimited retries and an offline queue.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  };
}

/** BullMQ connection and queue registrations; producers in any role inject queues from here. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: 'cch',
        connection: bullConnection(config.env.REDIS_URL),
      }),
    }),
    BullModule.registerQueue(
      { name: QueueName.UsageLedger },
      { name: QueueName.UsageRecords },
      { name: QueueName.ProviderHealth },
    ),
  ],
  exports: [BullModule],
})
export class QueuesModule {}
