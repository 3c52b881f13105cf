import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { GatewayError, GatewayErrorCode } from '../../common/errors/gateway-error';
import { GATEWAY_STRATEGY } from './gateway.strategy';

/** Lets GatewayErrors through unchanged so they render in the client's protocol envelope. */
@Injectable()
export class GatewayAuthGuard extends AuthGuard(GATEWAY_STRATEGY) {
  override handleRequest<T>(error: unknown, principal: T | false): T {
    if (error instanceof GatewayError) throw error;
    if (error || !principal) {
      throw new GatewayError(GatewayErrorCode.INVALID_API_KEY, 'Invalid API key.');
    }
    return principal;
  }
}
