import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { withTimeout } from '../common/async/with-timeout';
import { AppConfig } from '../config/app-config';
import { closeRedis } from '../common/redis/close-redis';
import { redisOptionsFromUrl } from '../common/redis/redis-connection';
import { jobOptions } from '../jobs/job-options';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { JobName, QueueName } from '../jobs/queue-names';
import { UsageRecordsRepository } from './usage-records.repository';
import { UsageSpool } from './usage-spool';
import { clusterSlot } from '../cluster/gateway-cluster';

const ENQUEUE_TIMEOUT_MS = 1_000;
const DIRECT_WRITE_TIMEOUT_MS = 3_000;
const REPLAY_INTERVAL_MS = 15_000;

export type UsageDestination = 'queue' | 'database' | 'spool';

/**
 * Hands each finished request's usage record to the ledger without ever losing it:
 * BullMQ (the worker writes it) → straight to Postgres when Redis is down → a local spool file
 * when Postgres is down too, replayed at start and periodically. Every path is idempotent on
 * the request id, so a record that takes two paths is still counted once.
 */
@Injectable()
export class UsageRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsageRecorder.name);
  private readonly queue: Queue;
  /** Owned here (not by BullMQ) so shutdown can cut it even while Redis is unreachable. */
  private readonly connection: Redis;
  private readonly spool: UsageSpool;
  /** Spool replays run in one process of a cluster (slot 0, or a single process). */
  private readonly replays: boolean;
  private replayTimer: NodeJS.Timeout | null = null;
  private replaying: Promise<unknown> | null = null;

  constructor(
    config: AppConfig,
    private readonly ledger: UsageRecordsRepository,
  ) {
    // A producer of its own that fails fast while Redis is down, instead of queueing in memory.
    this.connection = new Redis({
      ...redisOptionsFromUrl(config.env.REDIS_URL),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.connection.on('error', () => undefined);
    this.queue = new Queue(QueueName.UsageRecords, { prefix: 'cch', connection: this.connection });
    this.queue.on('error', () => undefined);
    this.spool = new UsageSpool(config.env.USAGE_SPOOL_DIR);
    const slot = clusterSlot();
    this.replays = slot === null || slot === 0;
  }

  onApplicationBootstrap(): void {
    if (!this.replays) return;
    void this.replaySpool();
    this.replayTimer = setInterval(() => void this.replaySpool(), REPLAY_INTERVAL_MS);
    this.replayTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.replayTimer) clearInterval(this.replayTimer);
    await this.replaying;
    await withTimeout(this.queue.close(), 2_000).catch(() => undefined);
    await closeRedis(this.connection);
  }

  async record(payload: RecordUsagePayload): Promise<UsageDestination> {
    try {
      await withTimeout(
        this.queue.add(
          JobName.RecordUsage,
          payload,
          jobOptions(JobName.RecordUsage, payload.requestId),
        ),
        ENQUEUE_TIMEOUT_MS,
      );
      return 'queue';
    } catch (queueError: unknown) {
      this.logger.warn(
        `usage queue unavailable, writing ${payload.requestId} directly: ${describe(queueError)}`,
      );
    }
    try {
      await withTimeout(this.ledger.insertOnce(payload), DIRECT_WRITE_TIMEOUT_MS);
      return 'database';
    } catch (databaseError: unknown) {
      this.logger.error(
        `ledger unavailable, spooling ${payload.requestId}: ${describe(databaseError)}`,
      );
    }
    await this.spool.append(payload);
    return 'spool';
  }

  /** Writes spooled records into Postgres; one replay at a time. */
  replaySpool(): Promise<unknown> {
    this.replaying ??= this.spool
      .replay((payload) => withTimeout(this.ledger.insertOnce(payload), DIRECT_WRITE_TIMEOUT_MS))
      .then(({ written, remaining }) => {
        if (written > 0 || remaining > 0) {
          this.logger.log(`usage spool replay: ${written} written, ${remaining} still spooled`);
        }
      })
      .catch((error: unknown) => this.logger.warn(`usage spool replay failed: ${describe(error)}`))
      .finally(() => {
        this.replaying = null;
      });
    return this.replaying;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
