import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AdminPrincipal } from '../auth/principal';

/** Who made an admin change and under which request id; passed explicitly to services. */
export interface AuditContext {
  actor: string;
  requestId: string;
}

export const CurrentAudit = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AdminPrincipal }>();
  return {
    actor: request.user?.actor ?? 'unknown',
    requestId: String(request.id),
  } satisfies AuditContext;
});
