import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { IncomingHttpHeaders } from 'node:http';
import { Strategy } from 'passport-custom';
import { GatewayError, GatewayErrorCode } from '../../common/errors/gateway-error';
import { extractGatewayCredential } from './gateway-credentials';
import { GatewayKeyService } from './gateway-key.service';
import { GatewayPrincipal } from './gateway-principal';

export const GATEWAY_STRATEGY = 'cch-gateway';

/** Passport strategy of the proxy routes: one gateway key, from any of the four places. */
@Injectable()
export class GatewayStrategy extends PassportStrategy(Strategy, GATEWAY_STRATEGY) {
  constructor(private readonly keys: GatewayKeyService) {
    super();
  }

  async validate(request: {
    headers: IncomingHttpHeaders;
    query?: Record<string, unknown>;
  }): Promise<GatewayPrincipal> {
    const credential = extractGatewayCredential(request.headers, request.query);
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
        return this.keys.authenticate(credential.key);
    }
  }
}
