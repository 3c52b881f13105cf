import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { UserRole } from '../users/user.entity';
import { ADMIN_STRATEGY } from './admin.strategy';
import { AdminPrincipal } from './principal';

export const ADMIN_ROLES_KEY = 'cch:admin-roles';

/** 401 when no valid credential was presented. */
@Injectable()
export class AdminAuthGuard extends AuthGuard(ADMIN_STRATEGY) {
  override handleRequest<T>(error: unknown, principal: T | false): T {
    if (error || !principal) {
      throw new UnauthorizedException(
        'Missing or invalid credentials: send Authorization: Bearer <ADMIN_TOKEN or gateway key>',
      );
    }
    return principal;
  }
}

/** 403 when the authenticated principal's role is not among the route's roles. */
@Injectable()
export class AdminRolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride<UserRole[] | undefined>(ADMIN_ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]) ?? [UserRole.Admin];
    const principal = context.switchToHttp().getRequest<{ user?: AdminPrincipal }>().user;
    if (!principal || !allowed.includes(principal.role)) {
      throw new ForbiddenException(`This action needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
