import { Module } from '@nestjs/common';
import { LimitsService } from './limits.service';

/** Needs the global `RedisModule`, `ConfigModule` and TypeORM's `DataSource`. */
@Module({
  providers: [LimitsService],
  exports: [LimitsService],
})
export class LimitsModule {}
