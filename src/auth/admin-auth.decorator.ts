import { applyDecorators, SetMetadata, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { createAdminValidationPipe } from '../common/admin/admin-validation.pipe';
import { UserRole } from '../users/user.entity';
import { ADMIN_ROLES_KEY, AdminAuthGuard, AdminRolesGuard } from './admin-auth.guard';

/**
 * Every admin route declares who may call it. Default: admins only. Applies DTO validation and
 * documents the security schemes in Swagger.
 */
export function AdminAuth(...roles: UserRole[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_ROLES_KEY, roles.length > 0 ? roles : [UserRole.Admin]),
    UseGuards(AdminAuthGuard, AdminRolesGuard),
    UsePipes(createAdminValidationPipe()),
    ApiBearerAuth('admin'),
    ApiSecurity('x-api-key'),
    ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' }),
    ApiForbiddenResponse({ description: `Allowed roles: ${roles.join(', ') || 'admin'}` }),
  );
}
