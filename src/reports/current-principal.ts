import { createParamDecorator, ExecutionContext, ForbiddenException } from '@nestjs/common';
import { AdminPrincipal } from '../auth/principal';

export type UserPrincipal = Extract<AdminPrincipal, { kind: 'user' }>;

/**
 * The user behind the gateway key of this request. The admin token belongs to no user, so
 * self-service routes answer it with a 403 (authenticated, but there is no "me").
 */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const principal = ctx.switchToHttp().getRequest<{ user?: AdminPrincipal }>().user;
  if (principal?.kind !== 'user') {
    throw new ForbiddenException(
      'The admin token belongs to no user: call /api/me with a gateway key',
    );
  }
  return principal;
});
