import { Readable } from 'node:stream';
import { SseParser } from '../protocols/sse/sse-parser';
import { upstreamAuthHeaders, upstreamUrl } from '../providers/provider-endpoints';
import { RoutedCandidate } from './provider-router.service';
import { PassThroughSpec } from './passthrough-spec';
import { isMalformedFrame, SseFrameGate, SseFrameTooLargeError } from './sse-frame-gate';
import { ProxyContext } from './proxy-context';
import { StreamTap } from './stream-tap';
import {
  attemptFailure,
  RetryableFailure,
  retryableAnswer,
  retryableWhole,
} from './upstream-failure';
import {
  headerValue,
  UpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamWholeAnswer,
} from './upstream-client';
import { ClientAbort } from './client-abort';

/** What an attempt needs from the request; count_tokens calls pass a reduced context. */
export type AttemptContext = Pick<ProxyContext, 'stream' | 'startedAt'>;

/** The upstream said no for a reason another provider would share (400, 413, 422…). */
export interface UpstreamRejection {
  kind: 'reject';
  status: number;
  contentType: string;
  body: Buffer;
}

/** A complete non-streaming answer. */
export interface UpstreamJson {
  kind: 'json';
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * A stream that has produced its first content event: from here the client sees it, and
 * failover is no longer possible. `prefix` holds the whole events read so far, `gate` any
 * unfinished one; `rest` the remainder.
 */
export interface UpstreamStream {
  kind: 'stream';
  prefix: Buffer[];
  rest: AsyncIterator<Buffer>;
  body: Readable;
  parser: SseParser;
  gate: SseFrameGate;
  tap: StreamTap;
  ttfbMs: number;
}

export type AttemptResult = RetryableFailure | UpstreamRejection | UpstreamJson | UpstreamStream;

/**
 * One try of a same-protocol request against one provider: the client's bytes go out unchanged
 * but for the auth header and, on a redirect, the model.
 */
export async function attemptPassThrough(
  client: UpstreamClient,
  context: AttemptContext,
  spec: PassThroughSpec,
  candidate: RoutedCandidate,
  signal: ClientAbort,
): Promise<AttemptResult> {
  const { entity, apiKey } = candidate.provider;
  const request: UpstreamRequest = {
    providerId: entity.id,
    url: upstreamUrl(entity.type, entity.baseUrl, spec.endpoint),
    method: 'POST',
    headers: {
      ...spec.headers,
      'content-type': 'application/json',
      ...upstreamAuthHeaders(entity.type, entity.authScheme, apiKey),
    },
    body: spec.body,
    timeouts: entity.timeouts,
    allowPrivate: entity.allowPrivateEgress,
    signal,
  };
  if (!context.stream) {
    // Whatever comes back is read whole (a stream the client did not ask for included).
    try {
      return wholeResult(await client.sendWhole(request));
    } catch (error: unknown) {
      return attemptFailure(error, signal);
    }
  }
  let response: UpstreamResponse;
  try {
    response = await client.send(request);
  } catch (error: unknown) {
    return attemptFailure(error, signal);
  }
  return readResponse(response, context, spec, signal);
}

/** A whole answer: retryable by its status, else the client's (a rejection from 400 on). */
function wholeResult(answer: UpstreamWholeAnswer): AttemptResult {
  const retryable = retryableWhole(answer);
  if (retryable) return retryable;
  const { statusCode: status, headers, body } = answer;
  const contentType = headerValue(headers['content-type']) ?? 'application/json';
  return { kind: status >= 400 ? 'reject' : 'json', status, contentType, body };
}

/** The answer to a streaming request: a rejection, a whole answer, or the stream held back. */
async function readResponse(
  response: UpstreamResponse,
  context: AttemptContext,
  spec: PassThroughSpec,
  signal: ClientAbort,
): Promise<AttemptResult> {
  const status = response.statusCode;
  const contentType = headerValue(response.headers['content-type']) ?? 'application/json';
  const retryable = await retryableAnswer(response);
  if (retryable) return retryable;
  try {
    if (status >= 400) {
      return {
        kind: 'reject',
        status,
        contentType,
        body: Buffer.from(await response.body.arrayBuffer()),
      };
    }
    // Asked for a stream, answered without one.
    if (!contentType.startsWith('text/event-stream')) {
      return {
        kind: 'json',
        status,
        contentType,
        body: Buffer.from(await response.body.arrayBuffer()),
      };
    }
    return await readUntilFirstContent(response.body, context, spec.createTap());
  } catch (error: unknown) {
    return attemptFailure(error, signal);
  }
}

/**
 * Holds the stream back until the upstream has produced real content. An upstream that fails
 * before that (an `event: error` such as overloaded, a reset, an idle timeout, a stream that ends
 * early) costs the client nothing: the next provider is tried and this one never shows.
 */
async function readUntilFirstContent(
  body: Readable,
  context: AttemptContext,
  tap: StreamTap,
): Promise<AttemptResult> {
  const parser = new SseParser();
  const gate = new SseFrameGate();
  const prefix: Buffer[] = [];
  const rest = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const stream = (): UpstreamStream => ({
    kind: 'stream',
    prefix,
    rest,
    body,
    parser,
    gate,
    tap,
    ttfbMs: elapsed(context),
  });
  for (;;) {
    const next = await rest.next();
    if (next.done) {
      for (const event of parser.end()) tap.observe(event);
      if (tap.failure) break;
      if (tap.completed) return stream();
      return retry('upstream_stream_truncated');
    }
    const events = parser.push(next.value);
    // Garbage instead of events (an HTML error page, a torn JSON frame, a line that never
    // ends) costs the client nothing either: no SDK could read it, the next provider may do better.
    if (events.some(isMalformedFrame)) {
      body.destroy();
      return retry('upstream_stream_invalid');
    }
    try {
      const whole = gate.push(next.value);
      if (whole.length > 0) prefix.push(whole);
    } catch (error: unknown) {
      if (!(error instanceof SseFrameTooLargeError)) throw error;
      body.destroy();
      return retry('upstream_stream_invalid');
    }
    for (const event of events) tap.observe(event);
    if (tap.failure) break;
    if (tap.firstContentSeen) return stream();
  }
  body.destroy();
  const overloaded = tap.failure?.overloaded === true;
  return {
    kind: 'retry',
    errorClass: overloaded ? 'upstream_overloaded' : 'upstream_stream_error',
    status: overloaded ? 529 : null,
    retryAfter: null,
  };
}

function retry(errorClass: RetryableFailure['errorClass']): RetryableFailure {
  return { kind: 'retry', errorClass, status: null, retryAfter: null };
}

function elapsed(context: AttemptContext): number {
  return Math.round(performance.now() - context.startedAt);
}
