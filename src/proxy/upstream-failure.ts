import { errors } from 'undici';
import { isEgressRefused } from '../common/egress/guarded-agent';
import { headerValue, UpstreamResponse, UpstreamWholeAnswer } from './upstream-client';

/** Why an attempt failed in a way that lets the next provider try. */
export type FailureClass =
  | 'upstream_5xx'
  | 'upstream_429'
  | 'upstream_overloaded'
  | 'upstream_redirect'
  | 'upstream_stream_error'
  | 'upstream_stream_truncated'
  /** Bytes no client could read: not SSE, a data frame that is not JSON, an endless line. */
  | 'upstream_stream_invalid'
  | 'timeout'
  | 'connection_error'
  /** The egress guard refused the provider's address: a configuration error, not an outage. */
  | 'egress_refused';

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
  if (isEgressRefused(error)) {
    return { kind: 'retry', errorClass: 'egress_refused', status: null, retryAfter: null };
  }
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

/** The client went away; the attempt stops and the request is recorded as aborted. */
export class ClientAbortedError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientAbortedError';
  }
}

/** An exception of an attempt: the client's disconnect ends the request, anything else retries. */
export function attemptFailure(error: unknown, signal: { aborted: boolean }): RetryableFailure {
  if (isAbort(error) || signal.aborted) throw new ClientAbortedError();
  return failureFromError(error);
}

/**
 * The failure of an answer another provider may do better on (its body drained so the
 * connection is reused), or null when the answer is for the client.
 */
export async function retryableAnswer(
  response: UpstreamResponse,
): Promise<RetryableFailure | null> {
  if (!isRetryableStatus(response.statusCode)) return null;
  await response.body.dump().catch(() => undefined);
  return retryableWhole(response);
}

/** The same for an answer already read whole: its status and `retry-after` decide. */
export function retryableWhole(
  answer: Pick<UpstreamWholeAnswer, 'statusCode' | 'headers'>,
): RetryableFailure | null {
  if (!isRetryableStatus(answer.statusCode)) return null;
  return failureFromStatus(answer.statusCode, headerValue(answer.headers['retry-after']));
}

/** What the client is told when every candidate failed before answering. */
export function describeFailure(failure: RetryableFailure | null, model: string): string {
  if (!failure) return `No provider could take the request for "${model}" right now.`;
  switch (failure.errorClass) {
    case 'upstream_429':
      return 'All providers are rate limited; retry later.';
    case 'upstream_overloaded':
      return 'All providers are overloaded; retry later.';
    case 'timeout':
      return 'All providers timed out.';
    case 'connection_error':
    case 'upstream_5xx':
    case 'upstream_redirect':
    case 'upstream_stream_error':
    case 'upstream_stream_truncated':
    case 'upstream_stream_invalid':
      return 'All providers failed to answer.';
    case 'egress_refused':
      return 'No permitted provider address: the egress policy refused them.';
  }
}
