import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditService } from './audit/audit.service';
import { ModelPricesRepository } from './billing/model-prices.repository';
import { PriceCatalog } from './billing/price-catalog.service';
import { PriceSeeder } from './billing/price-seeder.service';
import { PricesService } from './billing/prices.service';
import { UsageRecordsRepository } from './billing/usage-records.repository';
import { ENTITIES } from './database/entities';
import { ProviderHealthService } from './health/provider-health.service';
import { ApiKeysRepository } from './keys/api-keys.repository';
import { ApiKeysService } from './keys/api-keys.service';
import { ProvidersRepository } from './providers/providers.repository';
import { ProvidersService } from './providers/providers.service';
import { UpstreamClient } from './proxy/upstream-client';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

const PROVIDERS = [
  UpstreamClient,
  AuditService,
  UsersRepository,
  UsersService,
  ApiKeysRepository,
  ApiKeysService,
  ProvidersRepository,
  ProvidersService,
  UsageRecordsRepository,
  ProviderHealthService,
  ModelPricesRepository,
  PriceCatalog,
  PriceSeeder,
  PricesService,
];

/** Entities, repositories and services shared by every role. */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class DomainModule {}
