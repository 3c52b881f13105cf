/** Anthropic-style error bodies and stream error frames, so clients' SDKs classify our errors. */
import { formatSseEvent } from '../sse/sse-writer';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

/**
 * The `error.type` Anthropic uses for an HTTP status. Anthropic signals overload with 529; 503 is
 * mapped to `overloaded_error` too because it means the same thing when it comes from another
 * provider or from the gateway itself, and clients retry both.
 */
export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      // Other 4xx are the client's fault; everything else (5xx, or a non-error status passed by
      // mistake) is reported as a server-side error.
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

export function anthropicErrorBody(
  status: number,
  message: string,
  requestId?: string,
): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(status), message },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/**
 * A complete `event: error` frame, for failures after the HTTP 200 has been sent. The `event:`
 * line is mandatory: the Anthropic SDK ignores frames without it.
 */
export function anthropicStreamErrorFrame(
  status: number,
  message: string,
  requestId?: string,
): string {
  return formatSseEvent('error', JSON.stringify(anthropicErrorBody(status, message, requestId)));
}
