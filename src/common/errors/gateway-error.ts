/** Every error the gateway itself raises on proxy routes; each protocol renders it in its envelope. */
export enum GatewayErrorCode {
  INVALID_REQUEST = 'INVALID_REQUEST',
  MISSING_API_KEY = 'MISSING_API_KEY',
  INVALID_API_KEY = 'INVALID_API_KEY',
  CONFLICTING_API_KEYS = 'CONFLICTING_API_KEYS',
  KEY_REJECTED = 'KEY_REJECTED',
  MODEL_NOT_ALLOWED = 'MODEL_NOT_ALLOWED',
  NO_PROVIDER = 'NO_PROVIDER',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  RATE_LIMITED = 'RATE_LIMITED',
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
  NOT_FOUND = 'NOT_FOUND',
  INTERNAL = 'INTERNAL',
}

const STATUS: Record<GatewayErrorCode, number> = {
  [GatewayErrorCode.INVALID_REQUEST]: 400,
  [GatewayErrorCode.MISSING_API_KEY]: 401,
  [GatewayErrorCode.INVALID_API_KEY]: 401,
  [GatewayErrorCode.CONFLICTING_API_KEYS]: 401,
  [GatewayErrorCode.KEY_REJECTED]: 401,
  [GatewayErrorCode.MODEL_NOT_ALLOWED]: 403,
  [GatewayErrorCode.NO_PROVIDER]: 503,
  [GatewayErrorCode.UPSTREAM_UNAVAILABLE]: 503,
  [GatewayErrorCode.UPSTREAM_TIMEOUT]: 504,
  [GatewayErrorCode.RATE_LIMITED]: 429,
  [GatewayErrorCode.BUDGET_EXCEEDED]: 402,
  [GatewayErrorCode.NOT_FOUND]: 404,
  [GatewayErrorCode.INTERNAL]: 500,
};

export class GatewayError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  /** Extra response headers, e.g. `x-ratelimit-*` on a limit refusal. */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: { status?: number; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = options.status ?? STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
  }
}
