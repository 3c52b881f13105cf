/**
 * Google-style errors: `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}`
 * (protocols.md §B.4), read from upstreams and written for Gemini clients, in bodies and as the
 * in-band `data: {"error":…}` frame of a stream (the SDK checks every chunk for `error`).
 */
import { irErrorTypeForStatus } from '../ir/ir-error';
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { DecodedError } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';

export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'INTERNAL'
  | 'UNKNOWN'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

export interface GeminiErrorBody {
  error: { code: number; message: string; status: GoogleStatus };
}

/** Anthropic `error.type` vocabulary for a Google status name; null for names we do not know. */
const TYPE_BY_GOOGLE_STATUS: Record<string, string> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
  UNAVAILABLE: 'overloaded_error',
  DEADLINE_EXCEEDED: 'timeout_error',
  INTERNAL: 'api_error',
  UNKNOWN: 'api_error',
  CANCELLED: 'api_error',
};

/** The `error` object of a body: an object, a one-element array (non-SSE streams) or JSON text. */
function errorObject(body: unknown): Record<string, unknown> | null {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (Array.isArray(value)) value = value[0];
  return isRecord(value) && isRecord(value.error) ? value.error : null;
}

/** Google flags a bad API key as 400 INVALID_ARGUMENT; its detail reason says what it is. */
function isInvalidApiKey(error: Record<string, unknown>): boolean {
  const details = error.details;
  return (
    Array.isArray(details) &&
    details.some((detail) => isRecord(detail) && detail.reason === 'API_KEY_INVALID')
  );
}

/**
 * Reads an upstream error of any shape. The HTTP status is kept; the error type comes from the
 * Google status name when there is one (it is more specific than the code), else from the status.
 */
export function decodeGeminiError(status: number, body: unknown): DecodedError {
  const error = errorObject(body);
  const code = error && typeof error.code === 'number' ? error.code : null;
  // An in-band stream error arrives with the stream's 200; its own code is the real status.
  const effectiveStatus = status < 400 && code !== null && code >= 400 ? code : status;
  const googleStatus = error ? stringOrNull(error.status) : null;
  let errorType =
    (googleStatus !== null ? TYPE_BY_GOOGLE_STATUS[googleStatus] : undefined) ??
    irErrorTypeForStatus(effectiveStatus);
  if (error && isInvalidApiKey(error)) errorType = 'authentication_error';

  let message = error ? stringOrNull(error.message) : null;
  if (message === null && typeof body === 'string' && body.trim().length > 0) message = body;
  return {
    status: effectiveStatus,
    errorType,
    message: message ?? `Upstream returned HTTP ${effectiveStatus}`,
  };
}

/** Gemini clients do not know Anthropic's 529; they retry 503 the same way. */
export function geminiHttpStatus(status: number): number {
  return status === 529 ? 503 : status;
}

export function googleStatusFor(status: number, errorType: string): GoogleStatus {
  switch (errorType) {
    case 'rate_limit_error':
      return 'RESOURCE_EXHAUSTED';
    case 'overloaded_error':
      return 'UNAVAILABLE';
    case 'authentication_error':
      return 'UNAUTHENTICATED';
    case 'permission_error':
      return 'PERMISSION_DENIED';
    case 'billing_error':
      return 'FAILED_PRECONDITION';
    case 'not_found_error':
      return 'NOT_FOUND';
    case 'invalid_request_error':
    case 'request_too_large':
      return 'INVALID_ARGUMENT';
    case 'timeout_error':
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 400 && status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
  }
}

export function encodeGeminiError(
  status: number,
  errorType: string,
  message: string,
): GeminiErrorBody {
  return {
    error: {
      code: geminiHttpStatus(status),
      message,
      status: googleStatusFor(status, errorType),
    },
  };
}

/** The in-band error frame of a stream, terminated by the blank line the SDK needs. */
export function geminiStreamErrorFrame(status: number, errorType: string, message: string): string {
  return formatSseEvent(undefined, JSON.stringify(encodeGeminiError(status, errorType, message)));
}
