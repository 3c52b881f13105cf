import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { IncomingHttpHeaders } from 'node:http';
import { GatewayError, GatewayErrorCode } from '../../common/errors/gateway-error';
import { extractGatewayCredential } from './gateway-credentials';
import { GatewayKeyService } from './gateway-key.service';
import { GatewayPrincipal } from './gateway-principal';

export interface GatewayRequest {
  headers: IncomingHttpHeaders;
  query?: unknown;
  user?: GatewayPrincipal;
}

/**
 * Authenticates a proxy request by its one gateway key (from any of the four places) and puts
 * the principal on `request.user`. A plain guard, not a Passport strategy: it runs on every
 * proxy request, and Passport's per-request strategy setup cost more than the lookup itself.
 * Failures are GatewayErrors, rendered in the client's protocol envelope.
 */
@Injectable()
export class GatewayAuthGuard implements CanActivate {
  constructor(private readonly keys: GatewayKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    request.user = await authenticateGatewayRequest(this.keys, request);
    return true;
  }
}

/**
 * The principal of a proxy request's one gateway key; the guard's work, also called directly by
 * the proxy routes that Fastify serves without Nest (see proxy-routes).
 */
export async function authenticateGatewayRequest(
  keys: GatewayKeyService,
  request: GatewayRequest,
): Promise<GatewayPrincipal> {
  const query = isQuery(request.query) ? request.query : undefined;
  const credential = extractGatewayCredential(request.headers, query);
  switch (credential.kind) {
    case 'missing':
      throw new GatewayError(
        GatewayErrorCode.MISSING_API_KEY,
        'No API key: send it as x-api-key, Authorization: Bearer, x-goog-api-key or ?key=.',
      );
    case 'conflicting':
      throw new GatewayError(
        GatewayErrorCode.CONFLICTING_API_KEYS,
        'Several different API keys were sent; send exactly one.',
      );
    case 'key':
      return keys.authenticate(credential.key).catch((error: unknown) => {
        // As under Passport: anything but a GatewayError (say, the lookup failed) is a 401.
        if (error instanceof GatewayError) throw error;
        throw new GatewayError(GatewayErrorCode.INVALID_API_KEY, 'Invalid API key.');
      });
  }
}

function isQuery(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
