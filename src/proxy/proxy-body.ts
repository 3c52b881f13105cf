import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { JsonScanError } from '../protocols/common/json-scan';

const NOT_JSON = 'The request body must be JSON.';
const INVALID_JSON = 'The request body is not valid JSON.';

/**
 * Proxy routes receive the raw bytes (see the content parser in bootstrap): they are parsed here,
 * once, and the bytes themselves are what a same-protocol upstream receives.
 */
export function parseProxyBody(body: unknown): unknown {
  const raw = proxyBodyBytes(body);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, INVALID_JSON);
  }
}

/** The request bytes, refused in the client's protocol when there are none. */
export function proxyBodyBytes(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, NOT_JSON);
  }
  return body;
}

/**
 * Runs a byte-level inspection of the body, answering malformed JSON like `parseProxyBody` does.
 */
export function scanProxyBody<T>(body: unknown, inspect: (raw: Buffer) => T): T {
  const raw = proxyBodyBytes(body);
  try {
    return inspect(raw);
  } catch (error: unknown) {
    if (error instanceof JsonScanError || error instanceof SyntaxError) {
      throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, INVALID_JSON);
    }
    throw error;
  }
}

/** The body parsed on first use, and only then: pass-through requests never need it. */
export function lazyProxyBody(body: unknown): () => unknown {
  let parsed: { value: unknown } | null = null;
  return () => {
    parsed ??= { value: parseProxyBody(body) };
    return parsed.value;
  };
}
