import { Module } from '@nestjs/common';
import { DomainModule } from '../domain.module';
import { ProviderHealthProcessor } from './provider-health.processor';
import { QueuesModule } from './queues.module';
import { LedgerCopyProcessor } from './ledger-copy.processor';
import { LedgerJobs } from './ledger-jobs';
import { RecordUsageProcessor } from './record-usage.processor';

/**
 * The worker role: BullMQ processors and their schedules. Only this role holds BullMQ queue
 * connections; the gateway enqueues usage through its own fail-fast producer (UsageRecorder).
 */
@Module({
  imports: [DomainModule, QueuesModule],
  providers: [LedgerJobs, LedgerCopyProcessor, RecordUsageProcessor, ProviderHealthProcessor],
})
export class WorkerModule {}
