/**
 * The IR's error classes: Anthropic's `error.type` vocabulary, the richest of the four. Every
 * adapter decodes upstream errors into it and encodes client errors from it.
 */
export type IrErrorType =
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

/**
 * The error class of an HTTP status. Anthropic signals overload with 529; 503 means the same when
 * it comes from another provider or from the gateway, and clients retry both.
 */
export function irErrorTypeForStatus(status: number): IrErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      // Other 4xx are the client's fault; everything else is a server-side error.
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}
