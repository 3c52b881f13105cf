import { UsageStatus } from '../billing/usage-record.entity';
import { RecordUsagePayload } from '../jobs/job-payloads';
import { GatewayPrincipal } from '../gateway/auth/gateway-principal';
import { IrRequest } from '../protocols/ir/ir-request';
import { emptyUsage, IrUsage } from '../protocols/ir/ir-usage';
import { WireProtocol } from '../protocols/protocol-adapter';
import { ClientName } from './client-name';
import { AttemptNote } from '../billing/attempt-note';

/** Everything known about one proxy request, passed explicitly down the pipeline. */
export interface ProxyContext {
  requestId: string;
  principal: GatewayPrincipal;
  clientProtocol: WireProtocol;
  /**
   * The parsed body, parsed on first call: a same-protocol pass-through never parses it; it is
   * decoded into the IR only when a provider of another protocol serves the request.
   */
  body: () => unknown;
  /** Gemini carries the model and the stream flag in the path, not the body. */
  hints: { model?: string; stream?: boolean };
  /** The decoded request, once some attempt needed it. */
  ir?: IrRequest;
  clientName: ClientName;
  sessionId: string | null;
  model: string;
  stream: boolean;
  /** The request's output cap (`max_tokens` and its equivalents), when it names one. */
  maxOutputTokens: number | null;
  /** The request body exactly as received. */
  rawBody: Buffer;
  /** Query string to forward (without a leading `?`, and without any `key` parameter). */
  query: string;
  /** Client headers that the upstream should see unchanged. */
  forwardHeaders: Record<string, string>;
  /** `performance.now()` at the start: for durations. */
  startedAt: number;
  /** `Date.now()` at the start: the request's time for limits, prices and the ledger. */
  startedAtMs: number;
}

/** What the pipeline learned about one request by the time it ends, for the ledger. */
export interface ProxyOutcome {
  status: UsageStatus;
  httpStatus: number | null;
  providerId: string | null;
  providerProtocol: string | null;
  upstreamModel: string | null;
  /** The serving provider's cost multiplier (exact decimal string). */
  costMultiplier: string;
  usage: IrUsage;
  stopReason: string | null;
  errorClass: string | null;
  attempts: number;
  /** One note per provider tried, in order: who, how it went, how long until it answered. */
  attemptLog: AttemptNote[];
  ttfbMs: number | null;
  /** Time spent waiting on upstreams (all attempts), excluded from `x-cch-overhead-ms`. */
  upstreamMs: number;
  /** The `x-cch-overhead-ms` sent with the answer's head; null when no answer was written. */
  overheadMs: number | null;
  costUsd: string | null;
  priceVersion: string | null;
}

export function emptyOutcome(): ProxyOutcome {
  return {
    status: UsageStatus.Error,
    httpStatus: null,
    providerId: null,
    providerProtocol: null,
    upstreamModel: null,
    costMultiplier: '1',
    usage: emptyUsage(),
    stopReason: null,
    errorClass: null,
    attempts: 0,
    attemptLog: [],
    ttfbMs: null,
    upstreamMs: 0,
    overheadMs: null,
    costUsd: null,
    priceVersion: null,
  };
}

export function usagePayload(context: ProxyContext, outcome: ProxyOutcome): RecordUsagePayload {
  return {
    requestId: context.requestId,
    userId: context.principal.userId,
    apiKeyId: context.principal.keyId,
    providerId: outcome.providerId,
    clientProtocol: context.clientProtocol,
    clientName: context.clientName,
    providerProtocol: outcome.providerProtocol,
    // Client-chosen strings: Postgres text cannot hold NUL, and the record must never be refused.
    requestedModel: withoutNul(context.model),
    upstreamModel: outcome.upstreamModel === null ? null : withoutNul(outcome.upstreamModel),
    sessionId: context.sessionId === null ? null : withoutNul(context.sessionId),
    stream: context.stream,
    ...outcome.usage,
    costUsd: outcome.costUsd,
    priceVersion: outcome.priceVersion,
    status: outcome.status,
    httpStatus: outcome.httpStatus,
    stopReason: outcome.stopReason,
    errorClass: outcome.errorClass,
    attempts: outcome.attempts,
    attemptLog: outcome.attemptLog,
    durationMs: Math.round(performance.now() - context.startedAt),
    ttfbMs: outcome.ttfbMs,
    createdAt: new Date(context.startedAtMs).toISOString(),
  };
}

function withoutNul(value: string): string {
  return value.includes('\0') ? value.replace(/\0/g, '\uFFFD') : value;
}

/**
 * Headers of every answer the pipeline writes: the request id, and `x-cch-overhead-ms`, the time
 * spent in CCH itself so far (elapsed minus time waiting on upstreams), as LiteLLM reports it.
 * The value is kept on the outcome for the `cch_gateway_overhead_seconds` histogram.
 */
export function answerHeaders(
  context: ProxyContext,
  outcome: ProxyOutcome,
): Record<string, string> {
  const overhead = Math.max(0, performance.now() - context.startedAt - outcome.upstreamMs);
  outcome.overheadMs = overhead;
  return { 'x-cch-request-id': context.requestId, 'x-cch-overhead-ms': overhead.toFixed(2) };
}
