import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';

/**
 * Proxy routes receive the raw bytes (see the content parser in bootstrap): they are parsed here,
 * once, and the bytes themselves are what a same-protocol upstream receives.
 */
export function parseProxyBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, 'The request body must be JSON.');
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, 'The request body is not valid JSON.');
  }
}
