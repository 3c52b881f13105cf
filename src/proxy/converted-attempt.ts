import { Readable } from 'node:stream';
import { IrStreamEvent } from '../protocols/ir/ir-stream';
import { IrUsage } from '../protocols/ir/ir-usage';
import { IrRequest } from '../protocols/ir/ir-request';
import {
  ConversionContext,
  ProtocolAdapter,
  StreamDecoder,
  StreamEncoder,
} from '../protocols/protocol-adapter';
import { SseEvent, SseParser } from '../protocols/sse/sse-parser';
import { upstreamAuthHeaders, upstreamUrl } from '../providers/provider-endpoints';
import { ProviderType } from '../providers/provider.entity';
import { RoutedCandidate } from './provider-router.service';
import { IrEventLedger } from './stream-tap';
import {
  attemptFailure,
  retryableAnswer,
  RetryableFailure,
  retryableWhole,
} from './upstream-failure';
import {
  answerText,
  UpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamWholeAnswer,
} from './upstream-client';
import { MAX_SSE_FRAME_BYTES, SseFrameTooLargeError } from './sse-frame-gate';
import { ClientAbort } from './client-abort';

/** A request the client sent in one protocol, on its way to a provider of another. */
export interface ConversionRequest {
  ir: IrRequest;
  client: ProtocolAdapter;
  upstream: ProtocolAdapter;
  context: ConversionContext;
  startedAt: number;
}

/** The upstream refused the request itself; the body is already in the client's envelope. */
export interface ConvertedRejection {
  kind: 'reject';
  status: number;
  body: unknown;
}

export interface ConvertedJson {
  kind: 'json';
  body: unknown;
  usage: IrUsage;
  stopReason: string;
}

/**
 * A converted stream that has produced real content: `prefix` is the client-protocol text for the
 * events seen so far; `next()` converts more as the upstream sends it.
 */
export interface ConvertedStream {
  kind: 'stream';
  prefix: string;
  ttfbMs: number;
  next(): Promise<string | null>;
  /** Closing frames the client protocol needs (e.g. `[DONE]`, `response.completed`). */
  finish(): string;
  fail(status: number, message: string): string;
  usage(): IrUsage;
  stopReason(): string | null;
  finished(): boolean;
  destroy(): void;
}

export type ConvertedResult =
  RetryableFailure | ConvertedRejection | ConvertedJson | ConvertedStream;

/** One try of a cross-protocol request: encode for the provider, decode its answer for the client. */
export async function attemptConverted(
  http: UpstreamClient,
  request: ConversionRequest,
  candidate: RoutedCandidate,
  signal: ClientAbort,
): Promise<ConvertedResult> {
  const { entity, apiKey } = candidate.provider;
  const encoded = request.upstream.encodeRequest(
    { ...request.ir, model: candidate.upstreamModel },
    request.context,
  );
  const upstream: UpstreamRequest = {
    providerId: entity.id,
    url: upstreamUrl(entity.type, entity.baseUrl, encoded.path),
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: request.ir.stream ? 'text/event-stream' : 'application/json',
      ...(entity.type === ProviderType.Anthropic ? { 'anthropic-version': '2023-06-01' } : {}),
      ...upstreamAuthHeaders(entity.type, entity.authScheme, apiKey),
    },
    body: Buffer.from(JSON.stringify(encoded.body)),
    timeouts: entity.timeouts,
    allowPrivate: entity.allowPrivateEgress,
    signal,
  };
  if (!request.ir.stream) {
    // Read whole, without a stream in between (see `UpstreamClient.sendWhole`).
    try {
      return convertWhole(await http.sendWhole(upstream), request);
    } catch (error: unknown) {
      return attemptFailure(error, signal);
    }
  }
  let response: UpstreamResponse;
  try {
    response = await http.send(upstream);
  } catch (error: unknown) {
    return attemptFailure(error, signal);
  }
  try {
    return await convertStreamResponse(response, request);
  } catch (error: unknown) {
    return attemptFailure(error, signal);
  }
}

/** The answer to a request that does not stream, converted for the client. */
function convertWhole(answer: UpstreamWholeAnswer, request: ConversionRequest): ConvertedResult {
  const retryable = retryableWhole(answer);
  if (retryable) return retryable;
  const { statusCode: status, body } = answer;
  const text = answerText(body);
  if (status >= 400) return convertedRejection(status, parseJson(text), request);
  const ir = request.upstream.decodeResponse(parseJson(text), request.context);
  return {
    kind: 'json',
    body: request.client.encodeResponse(ir, request.ir, request.context),
    usage: ir.usage,
    stopReason: ir.stopReason,
  };
}

/** The answer to a streaming request: a rejection, or the stream held back. */
async function convertStreamResponse(
  response: UpstreamResponse,
  request: ConversionRequest,
): Promise<ConvertedResult> {
  const status = response.statusCode;
  const retryable = await retryableAnswer(response);
  if (retryable) return retryable;
  if (status >= 400) {
    return convertedRejection(status, parseJson(await response.body.text()), request);
  }
  return readUntilFirstContent(response.body, request);
}

function convertedRejection(
  status: number,
  body: unknown,
  request: ConversionRequest,
): ConvertedRejection {
  const error = request.upstream.decodeError(status, body);
  return {
    kind: 'reject',
    status,
    body: request.client.encodeError(status, error.errorType, error.message),
  };
}

/** The upstream's JSON, or its first 500 characters as an error message when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { message: text.slice(0, 500) } };
  }
}

/**
 * Converts upstream frames until the first real content, without writing anything: a failure
 * before that (an in-band error, a cut stream) lets the next provider try.
 */
async function readUntilFirstContent(
  body: Readable,
  request: ConversionRequest,
): Promise<ConvertedResult> {
  const parser = new SseParser();
  const decoder: StreamDecoder = request.upstream.createStreamDecoder(request.context);
  const encoder: StreamEncoder = request.client.createStreamEncoder(request.ir, request.context);
  const ledger = new IrEventLedger();
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const convert = (events: IrStreamEvent[]): string => {
    let out = '';
    for (const event of events) {
      ledger.observe(event);
      if (event.type !== 'error') out += encoder.encode(event);
    }
    return out;
  };
  let prefix = '';
  for (;;) {
    const next = await iterator.next();
    const events = next.done
      ? [...parser.end().flatMap((event) => decoder.push(event)), ...decoder.end()]
      : pushBounded(parser, next.value)?.flatMap((event) => decoder.push(event));
    if (!events) {
      body.destroy();
      return {
        kind: 'retry',
        errorClass: 'upstream_stream_invalid',
        status: null,
        retryAfter: null,
      };
    }
    prefix += convert(events);
    if (ledger.error) break;
    if (ledger.content || ledger.finished) break;
    if (next.done) {
      return {
        kind: 'retry',
        errorClass: 'upstream_stream_truncated',
        status: null,
        retryAfter: null,
      };
    }
  }
  if (ledger.error) {
    body.destroy();
    const overloaded = ledger.error.errorType === 'overloaded_error' || ledger.error.status === 529;
    return {
      kind: 'retry',
      errorClass: overloaded ? 'upstream_overloaded' : 'upstream_stream_error',
      status: overloaded ? 529 : null,
      retryAfter: null,
    };
  }
  let ended = false;
  return {
    kind: 'stream',
    prefix,
    ttfbMs: Math.round(performance.now() - request.startedAt),
    async next(): Promise<string | null> {
      while (!ended) {
        const chunk = await iterator.next();
        if (chunk.done) {
          ended = true;
          const tail = convert([
            ...parser.end().flatMap((event) => decoder.push(event)),
            ...decoder.end(),
          ]);
          if (ledger.error) throw new Error(`upstream error: ${ledger.error.message}`);
          return tail;
        }
        const events = pushBounded(parser, chunk.value);
        if (!events) throw new SseFrameTooLargeError();
        const out = convert(events.flatMap((event) => decoder.push(event)));
        if (ledger.error) throw new Error(`upstream error: ${ledger.error.message}`);
        if (out) return out;
      }
      return null;
    },
    finish: () => encoder.finish(),
    fail: (status, message) => encoder.fail(status, 'api_error', message),
    usage: () => ledger.usage,
    stopReason: () => ledger.stopReason,
    finished: () => ledger.finished,
    destroy: () => body.destroy(),
  };
}

/** Parses a chunk; null once an unfinished event outgrows MAX_SSE_FRAME_BYTES (in characters): a line that never ends. */
function pushBounded(parser: SseParser, chunk: Buffer): SseEvent[] | null {
  const events = parser.push(chunk);
  return parser.pendingChars > MAX_SSE_FRAME_BYTES ? null : events;
}
