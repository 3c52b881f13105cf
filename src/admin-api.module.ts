import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AdminAuthService } from './auth/admin-auth.service';
import { AdminAuthGuard, AdminRolesGuard } from './auth/admin-auth.guard';
import { AdminStrategy } from './auth/admin.strategy';
import { UsageAdminController } from './billing/usage.admin.controller';
import { DomainModule } from './domain.module';
import { ApiKeysAdminController } from './keys/api-keys.admin.controller';
import { ProvidersAdminController } from './providers/providers.admin.controller';
import { UsersAdminController } from './users/users.admin.controller';

/** The admin role: `/api/**` management routes (Swagger is mounted in main). */
@Module({
  imports: [PassportModule, DomainModule],
  controllers: [
    UsersAdminController,
    ApiKeysAdminController,
    ProvidersAdminController,
    UsageAdminController,
  ],
  providers: [AdminAuthService, AdminStrategy, AdminAuthGuard, AdminRolesGuard],
})
export class AdminApiModule {}
