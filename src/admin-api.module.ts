import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AdminAuthService } from './auth/admin-auth.service';
import { AdminAuthGuard, AdminRolesGuard } from './auth/admin-auth.guard';
import { AdminStrategy } from './auth/admin.strategy';
import { SessionController } from './auth/session.controller';
import { PricesAdminController } from './billing/prices.admin.controller';
import { UsageAdminController } from './billing/usage.admin.controller';
import { DomainModule } from './domain.module';
import { ApiKeysAdminController } from './keys/api-keys.admin.controller';
import { ProviderStatusController } from './providers/provider-status.controller';
import { ProvidersAdminController } from './providers/providers.admin.controller';
import { MeController } from './reports/me.controller';
import { MeService } from './reports/me.service';
import { ReportRangeService } from './reports/report-range.service';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { ReportsService } from './reports/reports.service';
import { UsersAdminController } from './users/users.admin.controller';

/** The admin role: `/api/**` management routes (Swagger is mounted in main). */
@Module({
  imports: [PassportModule, DomainModule],
  controllers: [
    UsersAdminController,
    ApiKeysAdminController,
    ProviderStatusController,
    ProvidersAdminController,
    UsageAdminController,
    PricesAdminController,
    ReportsController,
    MeController,
    SessionController,
  ],
  providers: [
    AdminAuthService,
    AdminStrategy,
    AdminAuthGuard,
    AdminRolesGuard,
    ReportRangeService,
    ReportsRepository,
    ReportsService,
    MeService,
  ],
})
export class AdminApiModule {}
