import { Injectable, Logger, Optional } from '@nestjs/common';
import { ServerResponse } from 'node:http';
import { PriceCatalog } from '../billing/price-catalog.service';
import { RequestLimits } from './request-limits';
import { UsageStatus } from '../billing/usage-record.entity';
import { UsageRecorder } from '../billing/usage-recorder.service';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { isModelAllowed } from '../routing/model-patterns';
import { anthropicMessageSummaryOfBytes } from '../protocols/anthropic-messages/anthropic-messages.usage';
import { replaceModelInJson } from '../protocols/anthropic-messages/anthropic-messages.request';
import { ConversionContext } from '../protocols/protocol-adapter';
import { ProviderType } from '../providers/provider.entity';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { attemptPassThrough, AttemptResult, UpstreamStream } from './passthrough-attempt';
import { attemptNote } from './attempt-notes';
import { passThroughSpec, PassThroughSpec } from './passthrough-spec';
import { ProviderRouter, RouteQuery, RoutedCandidate } from './provider-router.service';
import {
  answerHeaders,
  emptyOutcome,
  ProxyContext,
  ProxyOutcome,
  usagePayload,
} from './proxy-context';
import { sendJson, SSE_HEADERS, writeChunk } from './response-writer';
import { adapterFor } from './conversion/adapter-registry';
import { liveConversionContext } from './conversion/conversion-context';
import { decodeClientRequest, relayConverted } from './conversion/converted-relay';
import { attemptConverted, ConvertedResult } from './converted-attempt';
import { AnthropicTap } from './stream-tap';
import { UpstreamClient } from './upstream-client';
import { ClientAbort } from './client-abort';
import { ClientAbortedError, describeFailure, RetryableFailure } from './upstream-failure';
import { isMalformedFrame, SseFrameTooLargeError } from './sse-frame-gate';

/** Provider types that can serve any client protocol, directly or through the IR. */
const ALL_PROVIDER_TYPES = Object.values(ProviderType);

/**
 * The hot path of every client protocol: route, try providers until one starts answering, relay
 * the answer, and hand the usage to the ledger. Same protocol (Anthropic → Anthropic) passes the
 * bytes through; any other pair converts through the IR. The client never sees a failed attempt:
 * failover happens before the first content byte is written.
 */
@Injectable()
export class ProxyPipeline {
  private readonly logger = new Logger(ProxyPipeline.name);

  constructor(
    private readonly router: ProviderRouter,
    private readonly upstream: UpstreamClient,
    private readonly recorder: UsageRecorder,
    private readonly config: AppConfig,
    private readonly prices: PriceCatalog,
    private readonly requestLimits: RequestLimits,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async handle(context: ProxyContext, response: ServerResponse): Promise<void> {
    if (!isModelAllowed(context.principal.allowedModels, context.model)) {
      throw new GatewayError(
        GatewayErrorCode.MODEL_NOT_ALLOWED,
        `Your key may not use the model "${context.model}".`,
      );
    }
    // Routing reads (breaker states, session binding) go out together with the limits check:
    // one Redis round trip on the way to the upstream instead of two. A refused request just
    // drops what routing read.
    const routing = this.router.candidates(this.routeQuery(context));
    routing.catch(() => undefined);
    const reservation = await this.requestLimits.admit(context);
    const abort = new ClientAbort();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    const outcome = emptyOutcome();
    try {
      await this.run(context, await routing, response, abort, outcome);
    } catch (error: unknown) {
      if (!(error instanceof ClientAbortedError)) {
        // Refused without an upstream answer (no provider, a body that cannot be converted): the
        // ledger row still carries the status, and the class when the gateway is at fault (a
        // client's 4xx is no upstream error and stays out of cch_upstream_errors_total).
        if (error instanceof GatewayError) {
          outcome.httpStatus ??= error.status;
          if (error.status >= 500) outcome.errorClass ??= error.code.toLowerCase();
        }
        throw error;
      }
      outcome.status = UsageStatus.Aborted;
      outcome.errorClass = 'client_aborted';
    } finally {
      // The answer is complete here; settling and handing on the usage record are not its time.
      const endedAt = performance.now();
      // Priced at the time the request started, with the price version frozen on the record.
      const priced = outcome.upstreamModel
        ? this.prices.cost(
            outcome.upstreamModel,
            outcome.usage,
            outcome.costMultiplier,
            new Date(context.startedAtMs),
          )
        : null;
      outcome.costUsd = priced?.costUsd ?? null;
      outcome.priceVersion = priced?.priceVersion ?? null;
      await this.requestLimits.settle(reservation, outcome.costUsd, outcome.providerId);
      this.metrics?.observeRequest(context, outcome, endedAt); // never throws
      // Resolves once the record's batch is handed on (up to USAGE_BATCH_WINDOW_MS later).
      const destination = await this.recorder
        .record(usagePayload(context, outcome))
        .catch((error: unknown) => {
          this.logger.error(`usage record ${context.requestId} lost: ${String(error)}`);
          return null;
        });
      if (destination) this.metrics?.observeUsageRecord(destination);
    }
  }

  private routeQuery(context: ProxyContext): RouteQuery {
    return {
      protocols: ALL_PROVIDER_TYPES,
      group: context.principal.providerGroup,
      model: context.model,
      userId: context.principal.userId,
      sessionId: context.sessionId,
    };
  }

  private async run(
    context: ProxyContext,
    candidates: RoutedCandidate[],
    response: ServerResponse,
    signal: ClientAbort,
    outcome: ProxyOutcome,
  ): Promise<void> {
    if (candidates.length === 0) {
      throw new GatewayError(
        GatewayErrorCode.NO_PROVIDER,
        `No provider is available for the model "${context.model}".`,
      );
    }
    let lastFailure: RetryableFailure | null = null;
    for (const candidate of candidates.slice(0, this.config.env.GATEWAY_MAX_ATTEMPTS)) {
      const providerId = candidate.provider.entity.id;
      // Closed breakers need no permit; a half-open one lets exactly one probe through.
      if (candidate.halfOpen && !(await this.router.breaker.acquire(providerId))) continue;
      this.noteProvider(outcome, candidate);
      outcome.attempts += 1;
      const conversion = liveConversionContext(context.requestId);
      const spec = passThroughSpec(context, candidate, conversion);
      if (!spec) {
        const converted = await this.tryConverted(
          context,
          candidate,
          conversion,
          signal,
          response,
          outcome,
        );
        if (converted === 'done') return;
        lastFailure = converted;
        continue;
      }
      const upstreamStarted = performance.now();
      const result = await attemptPassThrough(this.upstream, context, spec, candidate, signal);
      this.noteAttempt(outcome, candidate, result, performance.now() - upstreamStarted);
      if (result.kind === 'retry') {
        lastFailure = result;
        // A refused address is configuration, not an outage: it must not open the breaker.
        if (result.errorClass !== 'egress_refused') void this.router.recordFailure(providerId);
        this.logger.warn(
          `request ${context.requestId}: provider ${providerId} failed (${result.errorClass}), trying next`,
        );
        continue;
      }
      void this.router.recordSuccess(providerId, candidate.halfOpen);
      void this.router.bindSession(context.principal.userId, context.sessionId, providerId);
      if (result.kind === 'stream') {
        await this.relay(result, spec, context, response, outcome);
        return;
      }
      this.finishJson(result.status, result.body, spec, outcome);
      outcome.ttfbMs = Math.round(performance.now() - context.startedAt);
      sendJson(response, result.status, result.body, {
        'content-type': result.contentType,
        ...answerHeaders(context, outcome),
      });
      return;
    }
    this.failAll(lastFailure, context.model, outcome);
  }

  /** One converted attempt: 'done' when the client has its answer, else the retryable failure. */
  private async tryConverted(
    context: ProxyContext,
    candidate: RoutedCandidate,
    conversion: ConversionContext,
    signal: ClientAbort,
    response: ServerResponse,
    outcome: ProxyOutcome,
  ): Promise<RetryableFailure | 'done'> {
    const providerId = candidate.provider.entity.id;
    const client = adapterFor(context.clientProtocol);
    context.ir ??= decodeClientRequest(client, context);
    const upstreamStarted = performance.now();
    const result = await attemptConverted(
      this.upstream,
      {
        ir: context.ir,
        client,
        upstream: adapterFor(candidate.provider.entity.type),
        context: conversion,
        startedAt: context.startedAt,
      },
      candidate,
      signal,
    );
    this.noteAttempt(outcome, candidate, result, performance.now() - upstreamStarted);
    if (result.kind === 'retry') {
      if (result.errorClass !== 'egress_refused') void this.router.recordFailure(providerId);
      this.logger.warn(
        `request ${context.requestId}: provider ${providerId} failed (${result.errorClass}), trying next`,
      );
      return result;
    }
    void this.router.recordSuccess(providerId, candidate.halfOpen);
    void this.router.bindSession(context.principal.userId, context.sessionId, providerId);
    if (result.kind === 'stream') {
      await relayConverted(result, context, response, outcome);
      return 'done';
    }
    outcome.ttfbMs = Math.round(performance.now() - context.startedAt);
    if (result.kind === 'reject') {
      outcome.httpStatus = result.status;
      outcome.status = UsageStatus.Error;
      outcome.errorClass = `upstream_${result.status}`;
      sendJson(
        response,
        result.status,
        JSON.stringify(result.body),
        answerHeaders(context, outcome),
      );
      return 'done';
    }
    outcome.httpStatus = 200;
    outcome.status = UsageStatus.Success;
    outcome.usage = result.usage;
    outcome.stopReason = result.stopReason;
    sendJson(response, 200, JSON.stringify(result.body), answerHeaders(context, outcome));
    return 'done';
  }

  /**
   * `count_tokens` is free and unmetered: same routing and failover, no ledger record.
   */
  async countTokens(
    context: Pick<
      ProxyContext,
      'requestId' | 'principal' | 'model' | 'rawBody' | 'query' | 'forwardHeaders'
    >,
    response: ServerResponse,
  ): Promise<void> {
    if (!isModelAllowed(context.principal.allowedModels, context.model)) {
      throw new GatewayError(
        GatewayErrorCode.MODEL_NOT_ALLOWED,
        `Your key may not use the model "${context.model}".`,
      );
    }
    const candidates = await this.router.candidates({
      protocols: [ProviderType.Anthropic],
      group: context.principal.providerGroup,
      model: context.model,
      userId: context.principal.userId,
      sessionId: null,
    });
    const attempt = { stream: false, startedAt: performance.now() };
    const signal = new ClientAbort();
    let lastFailure: RetryableFailure | null = null;
    for (const candidate of candidates.slice(0, this.config.env.GATEWAY_MAX_ATTEMPTS)) {
      const spec = countTokensSpec(context, candidate);
      const result = await attemptPassThrough(this.upstream, attempt, spec, candidate, signal);
      if (result.kind === 'retry') {
        lastFailure = result;
        continue;
      }
      if (result.kind === 'stream') continue;
      sendJson(response, result.status, result.body, {
        'content-type': result.contentType,
        'x-cch-request-id': context.requestId,
      });
      return;
    }
    this.failAll(lastFailure, context.model, emptyOutcome());
  }

  /** Time waited on the upstream, the ledger's attempt note and the per-attempt metric. */
  private noteAttempt(
    outcome: ProxyOutcome,
    candidate: RoutedCandidate,
    result: AttemptResult | ConvertedResult,
    ms: number,
  ): void {
    outcome.upstreamMs += ms;
    const note = attemptNote(candidate, result, ms);
    outcome.attemptLog.push(note);
    this.metrics?.observeAttempt(note);
  }

  private noteProvider(outcome: ProxyOutcome, candidate: RoutedCandidate): void {
    outcome.providerId = candidate.provider.entity.id;
    outcome.providerProtocol = candidate.provider.entity.type;
    outcome.upstreamModel = candidate.upstreamModel;
    outcome.costMultiplier = candidate.provider.entity.costMultiplier;
  }

  private finishJson(
    status: number,
    body: Buffer,
    spec: PassThroughSpec,
    outcome: ProxyOutcome,
  ): void {
    outcome.httpStatus = status;
    if (status >= 400) {
      outcome.status = UsageStatus.Error;
      outcome.errorClass = `upstream_${status}`;
      return;
    }
    try {
      const summary = spec.summarize(body);
      outcome.usage = summary.usage;
      outcome.stopReason = summary.stopReason;
      outcome.status = UsageStatus.Success;
    } catch {
      outcome.status = UsageStatus.Error;
      outcome.errorClass = 'upstream_invalid_json';
    }
  }

  /** Every candidate failed before answering: the client gets one clean error. */
  private failAll(failure: RetryableFailure | null, model: string, outcome: ProxyOutcome): never {
    const timedOut = failure?.errorClass === 'timeout';
    // The last upstream status when it says something to the client (429, 5xx, 529); else 503/504.
    const status = failure?.status && failure.status >= 429 ? failure.status : timedOut ? 504 : 503;
    outcome.errorClass = failure?.errorClass ?? 'no_provider_permit';
    outcome.httpStatus = status;
    const retryAfter = Number(failure?.retryAfter ?? Number.NaN);
    throw new GatewayError(
      timedOut ? GatewayErrorCode.UPSTREAM_TIMEOUT : GatewayErrorCode.UPSTREAM_UNAVAILABLE,
      describeFailure(failure, model),
      { status, retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined },
    );
  }

  private async relay(
    stream: UpstreamStream,
    spec: PassThroughSpec,
    context: ProxyContext,
    response: ServerResponse,
    outcome: ProxyOutcome,
  ): Promise<void> {
    outcome.ttfbMs = stream.ttfbMs;
    outcome.httpStatus = 200;
    response.writeHead(200, { ...SSE_HEADERS, ...answerHeaders(context, outcome) });
    const { tap, parser } = stream;
    let clientGone = false;
    try {
      for (const chunk of stream.prefix) {
        if (!(await writeChunk(response, chunk))) clientGone = true;
      }
      while (!clientGone) {
        const next = await stream.rest.next();
        if (next.done) break;
        const events = parser.push(next.value);
        if (events.some(isMalformedFrame)) {
          // An unreadable frame is never relayed: the client gets an in-band error instead,
          // unless the answer was already complete (trailing junk is then simply dropped).
          stream.body.destroy();
          if (!tap.completed) {
            outcome.errorClass = 'upstream_stream_invalid';
            void this.router.breaker.recordFailure(outcome.providerId ?? '');
            await writeChunk(
              response,
              spec.errorFrame(502, 'The upstream sent an unreadable event.'),
            );
            this.logger.warn(`request ${context.requestId}: unreadable upstream event mid-stream`);
          }
          break;
        }
        // Only whole events reach the client, so an error frame never lands inside a torn line.
        const whole = stream.gate.push(next.value);
        for (const event of events) tap.observe(event);
        if (whole.length > 0 && !(await writeChunk(response, whole))) clientGone = true;
      }
    } catch (error: unknown) {
      if (response.destroyed) {
        clientGone = true;
      } else {
        stream.body.destroy();
        // After the first byte, a failure goes in-band: an Anthropic error event, then a clean end.
        outcome.errorClass =
          error instanceof SseFrameTooLargeError
            ? 'upstream_stream_invalid'
            : 'upstream_stream_error';
        void this.router.recordFailure(outcome.providerId ?? '');
        await writeChunk(response, spec.errorFrame(502, 'The upstream stream failed.'));
        this.logger.warn(`request ${context.requestId}: stream broke mid-way: ${String(error)}`);
      }
    }
    for (const event of parser.end()) tap.observe(event);
    outcome.usage = tap.usage;
    outcome.stopReason = tap.stopReason;
    if (clientGone) {
      stream.body.destroy();
      throw new ClientAbortedError();
    }
    if (!outcome.errorClass && !tap.completed) {
      outcome.errorClass = 'upstream_stream_truncated';
      await writeChunk(response, spec.errorFrame(502, 'The upstream stream ended early.'));
    }
    outcome.status = outcome.errorClass ? UsageStatus.Error : UsageStatus.Success;
    response.end();
  }
}

/** `count_tokens` goes to the same Anthropic endpoint family, unmetered and unconverted. */
function countTokensSpec(
  context: Pick<ProxyContext, 'model' | 'rawBody' | 'query' | 'forwardHeaders'>,
  candidate: RoutedCandidate,
): PassThroughSpec {
  return {
    endpoint: context.query ? `messages/count_tokens?${context.query}` : 'messages/count_tokens',
    body:
      candidate.upstreamModel === context.model
        ? context.rawBody
        : replaceModelInJson(context.rawBody, context.model, candidate.upstreamModel),
    headers: context.forwardHeaders,
    createTap: () => new AnthropicTap(),
    summarize: anthropicMessageSummaryOfBytes,
    errorFrame: () => '',
  };
}
