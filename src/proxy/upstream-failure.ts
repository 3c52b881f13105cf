import { errors } from 'undici';

/** Why an attempt failed in a way that lets the next provider try. */
export type FailureClass =
  | 'upstream_5xx'
  | 'upstream_429'
  | 'upstream_overloaded'
  | 'upstream_redirect'
  | 'upstream_stream_error'
  | 'upstream_stream_truncated'
  | 'timeout'
  | 'connection_error';

export interface RetryableFailure {
  kind: 'retry';
  errorClass: FailureClass;
  /** Upstream HTTP status, when there was one. */
  status: number | null;
  retryAfter: string | null;
}

/** Statuses after which another provider may well succeed; other 4xx are the client's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500 || (status >= 300 && status < 400);
}

export function failureFromStatus(status: number, retryAfter: string | null): RetryableFailure {
  const errorClass: FailureClass =
    status === 429
      ? 'upstream_429'
      : status === 529 || status === 503
        ? 'upstream_overloaded'
        : status >= 300 && status < 400
          ? 'upstream_redirect'
          : status === 408
            ? 'timeout'
            : 'upstream_5xx';
  return { kind: 'retry', errorClass, status, retryAfter };
}

export function failureFromError(error: unknown): RetryableFailure {
  const timeout =
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError;
  return {
    kind: 'retry',
    errorClass: timeout ? 'timeout' : 'connection_error',
    status: null,
    retryAfter: null,
  };
}

export function isAbort(error: unknown): boolean {
  return (
    error instanceof errors.RequestAbortedError ||
    (error instanceof Error &&
      (error.name === 'AbortError' || error.name === 'RequestAbortedError'))
  );
}
