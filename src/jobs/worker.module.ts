import { Module } from '@nestjs/common';
import { DomainModule } from '../domain.module';
import { ProviderHealthProcessor } from './provider-health.processor';
import { RecordUsageProcessor } from './record-usage.processor';

/** The worker role: BullMQ processors and their schedules. */
@Module({
  imports: [DomainModule],
  providers: [RecordUsageProcessor, ProviderHealthProcessor],
})
export class WorkerModule {}
