import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminApiModule } from './admin-api.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { RedisModule } from './common/redis/redis.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { GatewayModule } from './gateway.module';
import { buildDataSourceOptions } from './database/data-source-options';
import { HealthController } from './health/health.controller';
import { WorkerModule } from './jobs/worker.module';
import { MetricsModule } from './metrics/metrics.module';

/** Core infrastructure for every role, plus the modules of the roles this process runs. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const roleModules: Type[] = [];
    if (config.hasRole('gateway')) roleModules.push(GatewayModule);
    if (config.hasRole('admin')) roleModules.push(AdminApiModule);
    if (config.hasRole('worker')) roleModules.push(WorkerModule);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config),
        TypeOrmModule.forRoot(buildDataSourceOptions(config.env.DATABASE_URL)),
        RedisModule,
        CryptoModule,
        MetricsModule,
        ...roleModules,
      ],
      controllers: [HealthController],
    };
  }
}
