import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { withTimeout } from '../common/async/with-timeout';
import { AppConfig } from '../config/app-config';
import { closeRedis } from '../common/redis/close-redis';
import { redisOptionsFromUrl } from '../common/redis/redis-connection';
import { jobOptions } from '../jobs/job-options';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { ledgerCopyPayload } from './ledger-copy';
import { JobName, QueueName } from '../jobs/queue-names';
import { UsageRecordsRepository } from './usage-records.repository';
import { reportDegradation, reportRecovery } from '../metrics/degradation';
import { UsageSpool } from './usage-spool';
import { clusterSlot } from '../cluster/gateway-cluster';

const ENQUEUE_TIMEOUT_MS = 1_000;
const DIRECT_WRITE_TIMEOUT_MS = 3_000;
const REPLAY_INTERVAL_MS = 15_000;
/** A batch this large goes out at once, whatever is left of its window (USAGE_BATCH_WINDOW_MS). */
const BATCH_MAX_RECORDS = 200;

export type UsageDestination = 'queue' | 'database' | 'spool';

interface PendingRecord {
  payload: RecordUsagePayload;
  resolve: (destination: UsageDestination) => void;
  reject: (error: unknown) => void;
}

/**
 * Hands each finished request's usage record to the ledger without ever losing it:
 * BullMQ (the worker writes it) → straight to Postgres when Redis is down → a local spool file
 * when Postgres is down too, replayed at start and periodically. Every path is idempotent on
 * the request id, so a record that takes two paths is still counted once.
 *
 * Records are batched for a few milliseconds; `record` resolves once its batch has a
 * destination, so a request (and graceful shutdown, which waits for requests) never finishes
 * before its record is handed on. Shutdown flushes whatever is still waiting.
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
  private pending: PendingRecord[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private readonly delivering = new Set<Promise<void>>();
  /**
   * Records of requests that end within this window go out together: one BullMQ job and one
   * COPY into the ledger instead of one of each per request. It delays only the ledger, never an
   * answer. Each job costs ~6 Redis round trips and a Postgres transaction whatever its size.
   */
  private readonly batchWindowMs: number;

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
    this.queue = new Queue(QueueName.UsageLedger, { prefix: 'cch', connection: this.connection });
    this.queue.on('error', () => undefined);
    this.spool = new UsageSpool(config.env.USAGE_SPOOL_DIR);
    this.batchWindowMs = config.env.USAGE_BATCH_WINDOW_MS;
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
    await this.flush();
    await this.replaying;
    await withTimeout(this.queue.close(), 2_000).catch(() => undefined);
    await closeRedis(this.connection);
  }

  record(payload: RecordUsagePayload): Promise<UsageDestination> {
    return new Promise<UsageDestination>((resolve, reject) => {
      this.pending.push({ payload, resolve, reject });
      if (this.pending.length >= BATCH_MAX_RECORDS || this.batchWindowMs === 0) void this.flush();
      else this.batchTimer ??= setTimeout(() => void this.flush(), this.batchWindowMs);
    });
  }

  /** Hands on every waiting record; resolves when all batches under way have a destination. */
  async flush(): Promise<void> {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      const delivery = this.deliver(batch).finally(() => this.delivering.delete(delivery));
      this.delivering.add(delivery);
    }
    await Promise.all(this.delivering);
  }

  private async deliver(batch: PendingRecord[]): Promise<void> {
    const payloads = batch.map((entry) => entry.payload);
    try {
      const destination = await this.store(payloads);
      for (const entry of batch) entry.resolve(destination);
    } catch (error: unknown) {
      for (const entry of batch) entry.reject(error);
    }
  }

  private async store(payloads: RecordUsagePayload[]): Promise<UsageDestination> {
    // The first request id names the batch job: a retried enqueue of the same batch is one job.
    const first = payloads[0]?.requestId ?? '';
    try {
      await withTimeout(
        this.queue.add(
          JobName.RecordUsageCopy,
          ledgerCopyPayload(payloads),
          jobOptions(JobName.RecordUsageCopy, `copy-${first}`),
        ),
        ENQUEUE_TIMEOUT_MS,
      );
      reportRecovery('usage_queue', 'redis');
      return 'queue';
    } catch (queueError: unknown) {
      reportDegradation(
        'usage_queue',
        'fallback',
        'redis',
        'usage records are written straight to Postgres',
        queueError,
      );
    }
    try {
      await withTimeout(this.ledger.insertAll(payloads), DIRECT_WRITE_TIMEOUT_MS);
      return 'database';
    } catch (databaseError: unknown) {
      reportDegradation(
        'usage_queue',
        'fallback',
        'postgres',
        'usage records are spooled to USAGE_SPOOL_DIR until the ledger is reachable',
        databaseError,
      );
    }
    for (const payload of payloads) await this.spool.append(payload);
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
