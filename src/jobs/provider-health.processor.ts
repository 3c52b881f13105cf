import { Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectQueue } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ProviderHealthService } from '../health/provider-health.service';
import { jobOptions } from './job-options';
import { ProviderHealthSweepPayload } from './job-payloads';
import { JobName, QueueName } from './queue-names';

const SCHEDULER_ID = 'provider-health-sweep';

/** Runs the provider health sweep and keeps its repeatable schedule registered (idempotently). */
@Processor(QueueName.ProviderHealth, { concurrency: 1 })
export class ProviderHealthProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly health: ProviderHealthService,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ProviderHealth) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // Upsert, so N workers starting together still leave exactly one schedule.
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: this.config.env.HEALTH_CHECK_INTERVAL_SECONDS * 1000 },
      {
        name: JobName.ProviderHealthSweep,
        data: {},
        opts: jobOptions(JobName.ProviderHealthSweep),
      },
    );
  }

  async process(
    job: Job<ProviderHealthSweepPayload>,
  ): Promise<{ probed: number; healthy: number }> {
    // Results outlive three missed sweeps, then routing treats the provider's health as unknown.
    const results = await this.health.sweep(this.config.env.HEALTH_CHECK_INTERVAL_SECONDS * 3);
    await job.updateProgress(100);
    return { probed: results.length, healthy: results.filter((result) => result.ok).length };
  }
}
