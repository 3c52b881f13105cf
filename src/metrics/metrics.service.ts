import { Inject, Injectable, Logger, OnApplicationShutdown, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AttemptNote } from '../billing/attempt-note';
import { UsageDestination } from '../billing/usage-recorder.service';
import { withTimeout } from '../common/async/with-timeout';
import { closeRedis } from '../common/redis/close-redis';
import { redisOptionsFromUrl } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { AppConfig } from '../config/app-config';
import { QueueName } from '../jobs/queue-names';
import { ProviderDirectory } from '../proxy/provider-directory.service';
import { ProviderRouter } from '../proxy/provider-router.service';
import { ProxyContext, ProxyOutcome } from '../proxy/proxy-context';
import { CircuitState } from '../routing/circuit-breaker';
import { cchMetrics, CchMetrics, WORKER_LOCAL_METRICS } from './metrics-registry';

/** A scrape must answer even with Redis down: each lazy read gets this long. */
const SCRAPE_READ_TIMEOUT_MS = 1_000;

const BREAKER_VALUES: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Label value for "no provider was tried" (refused before routing, no permit, none matched). */
const NO_PROVIDER = 'none';

/**
 * Records proxy metrics on the hot path (plain in-memory counters, never awaited) and renders
 * the Prometheus exposition. Breaker states and queue depths are read from Redis on scrape,
 * so every replica reports the shared truth without timers of its own.
 */
@Injectable()
export class MetricsService implements OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  private readonly metrics: CchMetrics = cchMetrics();
  /** Read-only queues of our own (any role), opened on the first scrape. */
  private queues: { connection: Redis; queues: Queue[] } | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
    private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  /**
   * One finished metered request, from the objects the pipeline builds its usage record from.
   * Never throws: a metrics bug must not fail a request.
   */
  observeRequest(
    context: ProxyContext,
    outcome: ProxyOutcome,
    endedAt: number = performance.now(),
  ): void {
    try {
      const route = context.clientProtocol;
      const provider = outcome.providerId ?? NO_PROVIDER;
      this.metrics.requests.inc({
        route,
        client: context.clientName,
        provider,
        status: outcome.status,
      });
      this.metrics.requestDuration.observe(
        { route, client: context.clientName },
        Math.max(0, endedAt - context.startedAt) / 1000,
      );
      if (outcome.overheadMs !== null) {
        // The provider protocol the request was converted to, or 'none' for pass-through.
        const served = outcome.providerProtocol;
        const conversion = served === null || served === route ? 'none' : served;
        this.metrics.gatewayOverhead.observe({ route, conversion }, outcome.overheadMs / 1000);
      }
      if (outcome.ttfbMs !== null && outcome.providerId !== null) {
        this.metrics.timeToFirstByte.observe({ route, provider }, outcome.ttfbMs / 1000);
      }
      if (outcome.errorClass !== null && outcome.errorClass !== 'client_aborted') {
        this.metrics.upstreamErrors.inc({ provider, class: outcome.errorClass });
      }
    } catch (error: unknown) {
      this.logger.warn(`metrics for request ${context.requestId} lost: ${String(error)}`);
    }
  }

  /** One provider attempt, including those the client never saw because another answered. */
  observeAttempt(note: AttemptNote): void {
    this.metrics.upstreamAttempts.inc({ provider: note.providerId, outcome: note.outcome });
  }

  /** Where `UsageRecorder.record` put a record (counted when its batch is handed on). */
  observeUsageRecord(destination: UsageDestination): void {
    try {
      this.metrics.usageWritten.inc({ destination });
      if (destination === 'spool') this.metrics.usageSpooled.inc();
    } catch (error: unknown) {
      this.logger.warn(`usage record metric lost: ${String(error)}`);
    }
  }

  /** The Prometheus text exposition, with the lazily read gauges refreshed first. */
  async render(): Promise<string> {
    await Promise.all([this.refreshBreakers(), this.refreshQueues(), this.refreshDependencies()]);
    const cluster = this.metrics.clusterExposition ? await this.metrics.clusterExposition() : null;
    if (cluster === null) return this.metrics.registry.metrics();
    // Counters and histograms summed over every gateway worker; the gauges read on scrape and
    // the process info as this worker has them.
    const local = await Promise.all(
      WORKER_LOCAL_METRICS.map((name) => this.metrics.registry.getSingleMetricAsString(name)),
    );
    return `${cluster.trimEnd()}\n${local.join('\n')}\n`;
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.queues;
    this.queues = null;
    if (!opened) return;
    await Promise.all(
      opened.queues.map((queue) => withTimeout(queue.close(), 2_000).catch(() => undefined)),
    );
    await closeRedis(opened.connection);
  }

  /** `cch_dependency_up`: can this process reach Postgres and Redis right now (as /readyz checks)? */
  private async refreshDependencies(): Promise<void> {
    const reachable = async (probe: () => Promise<unknown>): Promise<number> => {
      try {
        await withTimeout(probe(), SCRAPE_READ_TIMEOUT_MS);
        return 1;
      } catch {
        return 0;
      }
    };
    const [postgres, redis] = await Promise.all([
      reachable(() => this.dataSource.query('SELECT 1')),
      reachable(() => this.redis.ping()),
    ]);
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres);
    this.metrics.dependencyUp.set({ dependency: 'redis' }, redis);
  }

  /** Breaker states of the enabled providers; only where the gateway role runs. */
  private async refreshBreakers(): Promise<void> {
    const router = this.optional(ProviderRouter);
    const directory = this.optional(ProviderDirectory);
    if (!router || !directory) return;
    try {
      const providers = await withTimeout(directory.enabled(), SCRAPE_READ_TIMEOUT_MS);
      const states = await withTimeout(
        router.breaker.states(providers.map((live) => live.entity.id)),
        SCRAPE_READ_TIMEOUT_MS,
      );
      this.metrics.breakerState.reset();
      for (const [provider, state] of states) {
        this.metrics.breakerState.set({ provider }, BREAKER_VALUES[state]);
      }
    } catch (error: unknown) {
      this.metrics.breakerState.reset();
      this.logger.warn(`breaker states unavailable for metrics: ${String(error)}`);
    }
  }

  /** Waiting/prioritized/delayed counts and the oldest waiting job's age, per queue. */
  private async refreshQueues(): Promise<void> {
    const queues = this.openQueues();
    await Promise.all(
      queues.map(async (queue) => {
        const labels = { queue: queue.name };
        try {
          const [counts, oldest] = await withTimeout(
            Promise.all([
              queue.getJobCounts('waiting', 'prioritized', 'delayed'),
              queue.getJobs(['waiting', 'prioritized'], 0, 0, true),
            ]),
            SCRAPE_READ_TIMEOUT_MS,
          );
          const depth = Object.values(counts).reduce((sum, count) => sum + count, 0);
          this.metrics.queueDepth.set(labels, depth);
          const timestamps = oldest.map((job) => job.timestamp).filter((t) => t > 0);
          const age = timestamps.length > 0 ? (Date.now() - Math.min(...timestamps)) / 1000 : 0;
          this.metrics.queueOldestAge.set(labels, Math.max(0, age));
        } catch (error: unknown) {
          this.metrics.queueDepth.remove(labels);
          this.metrics.queueOldestAge.remove(labels);
          this.logger.warn(`queue ${queue.name} unavailable for metrics: ${String(error)}`);
        }
      }),
    );
  }

  private openQueues(): Queue[] {
    if (!this.queues) {
      // Fails fast while Redis is down (no offline queue), so a scrape never hangs on it.
      const connection = new Redis(redisOptionsFromUrl(this.config.env.REDIS_URL));
      connection.on('error', () => undefined);
      const queues = Object.values(QueueName).map((name) => {
        const queue = new Queue(name, { prefix: 'cch', connection });
        queue.on('error', () => undefined);
        return queue;
      });
      this.queues = { connection, queues };
    }
    return this.queues.queues;
  }

  /** A provider of another role's module, or null when this process does not run that role. */
  private optional<T>(type: Type<T>): T | null {
    try {
      return this.moduleRef.get<T>(type, { strict: false });
    } catch {
      return null;
    }
  }
}
