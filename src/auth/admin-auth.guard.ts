import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { dependencyFailure } from '../common/errors/dependency-unavailable';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { UserRole } from '../users/user.entity';
import { AppConfig } from '../config/app-config';
import { AdminAuthLimiter, LIMITER_UNAVAILABLE } from './admin-auth-limiter';
import { extractAdminCredential } from './admin-credentials';
import { ADMIN_STRATEGY } from './admin.strategy';
import { AdminPrincipal } from './principal';

export const ADMIN_ROLES_KEY = 'cch:admin-roles';

/** `retry-after` of a fail-closed refusal: Redis outages are usually seconds (failover, restart). */
const LIMITER_RETRY_AFTER_SECONDS = 5;

/**
 * 401 when no valid credential was presented. A client IP with too many recently failed
 * authentications gets 429 (with `retry-after`) before its credential is even looked at.
 * `request.ip` honours X-Forwarded-For only with TRUST_PROXY=true.
 */
@Injectable()
export class AdminAuthGuard extends AuthGuard(ADMIN_STRATEGY) {
  private readonly limiter: AdminAuthLimiter;

  constructor(@Inject(REDIS_CLIENT) redis: Redis, config: AppConfig) {
    super();
    this.limiter = new AdminAuthLimiter(redis, {
      maxFailures: config.env.ADMIN_AUTH_MAX_FAILURES,
      failOpen: config.env.ADMIN_AUTH_FAIL_OPEN,
    });
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const blockedFor = await this.limiter.retryAfterSeconds(request.ip);
    if (blockedFor === LIMITER_UNAVAILABLE) {
      void reply.header('retry-after', String(LIMITER_RETRY_AFTER_SECONDS));
      throw new ServiceUnavailableException(
        'Admin authentication is unavailable while its brute-force limiter cannot count (ADMIN_AUTH_FAIL_OPEN=false); retry later',
      );
    }
    if (blockedFor !== null) {
      throw tooManyFailures(reply, blockedFor);
    }
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (error) {
      // Only a presented-but-wrong credential is a guess; a missing one proves and risks nothing.
      if (error instanceof UnauthorizedException && extractAdminCredential(request.headers)) {
        await this.limiter.recordFailure(request.ip);
      }
      throw error;
    }
  }

  override handleRequest<T>(error: unknown, principal: T | false): T {
    // Postgres unreachable while looking up a gateway key: a retryable 503 (UnknownErrorFilter),
    // never a 401 that would count as a failed guess against the caller's address.
    const unreachable = dependencyFailure(error);
    if (unreachable) throw unreachable;
    if (error || !principal) {
      throw new UnauthorizedException(
        'Missing or invalid credentials: send Authorization: Bearer <ADMIN_TOKEN or gateway key>',
      );
    }
    return principal;
  }
}

function tooManyFailures(reply: FastifyReply, retryAfterSeconds: number): HttpException {
  void reply.header('retry-after', String(retryAfterSeconds));
  return new HttpException(
    `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
    HttpStatus.TOO_MANY_REQUESTS,
  );
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
