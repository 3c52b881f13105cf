import { Controller, Get, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { IncomingHttpHeaders } from 'node:http';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { GatewayAuthGuard } from '../gateway/auth/gateway-auth.guard';
import { isRecord } from '../protocols/common/json-narrowing';
import { WireProtocol } from '../protocols/protocol-adapter';
import { clientNameOf } from './client-name';
import { adapterFor } from './conversion/adapter-registry';
import { decodeClientRequest } from './conversion/converted-relay';
import { forwardQuery } from './forward-headers';
import { ModelsService } from './models.service';
import { parseProxyBody } from './proxy-body';
import { ProxyContext } from './proxy-context';
import { ProxyErrorFilter } from './proxy-error.filter';
import { ProxyPipeline } from './proxy-pipeline.service';
import { ProxyRequest } from './proxy-request';

const MAX_SESSION_ID_LENGTH = 128;
/** `models/{model}:{action}`, the Gemini REST path (`:` cannot be a Fastify route segment). */
const GEMINI_MODEL_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):([A-Za-z]+)/;

/**
 * Ingress of the OpenAI Chat Completions (Droid's generic mode, most SDKs), OpenAI Responses
 * (Codex, Droid's OpenAI mode) and Gemini (Gemini CLI) protocols. Each request is decoded into
 * the IR and served by any provider, converted where the provider speaks another protocol.
 */
@ApiExcludeController()
@UseFilters(ProxyErrorFilter)
@UseGuards(GatewayAuthGuard)
@Controller()
export class OpenAiGeminiController {
  constructor(
    private readonly pipeline: ProxyPipeline,
    private readonly models: ModelsService,
  ) {}

  /** `POST /v1/chat/completions`, routed by Fastify directly (see proxy-routes). */
  async chat(request: ProxyRequest, reply: FastifyReply): Promise<void> {
    await this.serve(request, reply, 'openai-chat', {}, null);
  }

  /** `POST /v1/responses`, routed by Fastify directly (see proxy-routes). */
  async responses(request: ProxyRequest, reply: FastifyReply): Promise<void> {
    const body = parseProxyBody(request.body);
    const cacheKey =
      isRecord(body) && typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : null;
    const session =
      headerValue(request.headers, 'session-id') ??
      headerValue(request.headers, 'thread-id') ??
      cacheKey;
    await this.serve(request, reply, 'openai-responses', {}, session, body);
  }

  /** `POST /v1beta/models/{model}:{method}` (and v1, v1alpha), routed by Fastify directly. */
  async gemini(request: ProxyRequest, reply: FastifyReply): Promise<void> {
    const match = GEMINI_MODEL_PATH.exec(request.url);
    const model = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const action = match?.[2];
    if (
      !model ||
      (action !== 'generateContent' &&
        action !== 'streamGenerateContent' &&
        action !== 'countTokens')
    ) {
      throw new GatewayError(
        GatewayErrorCode.NOT_FOUND,
        `Unknown Gemini method: ${request.url.split('?')[0] ?? ''}`,
      );
    }
    if (action === 'countTokens') {
      const counted = countTokensEstimate(parseProxyBody(request.body));
      void reply.send({ totalTokens: counted });
      return;
    }
    await this.serve(
      request,
      reply,
      'gemini',
      { model, stream: action === 'streamGenerateContent' },
      null,
    );
  }

  @Get(['v1beta/models', 'v1alpha/models'])
  async listGemini(@Req() request: ProxyRequest): Promise<unknown> {
    const ids = await this.models.modelsFor(request.user);
    return {
      models: ids.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
      })),
    };
  }

  private async serve(
    request: ProxyRequest,
    reply: FastifyReply,
    protocol: WireProtocol,
    hints: ProxyContext['hints'],
    sessionId: string | null,
    parsed?: unknown,
  ): Promise<void> {
    const body = parsed ?? parseProxyBody(request.body);
    const context: ProxyContext = {
      requestId: String(request.id),
      principal: request.user,
      clientProtocol: protocol,
      body: () => body,
      hints,
      clientName: clientNameOf(request.headers),
      sessionId: sessionId ? sessionId.slice(0, MAX_SESSION_ID_LENGTH) : null,
      model: '',
      stream: false,
      maxOutputTokens: null,
      rawBody: request.body as Buffer,
      query: forwardQuery(request.url),
      forwardHeaders: {},
      startedAt: performance.now(),
      startedAtMs: Date.now(),
    };
    // Other protocols always go through the IR: decode once, before routing, so a bad body is a
    // 400 in the client's own envelope and never reaches a provider.
    context.ir = decodeClientRequest(adapterFor(protocol), context);
    context.model = context.ir.model;
    context.stream = context.ir.stream;
    context.maxOutputTokens = context.ir.maxOutputTokens ?? null;
    reply.hijack();
    await this.pipeline.handle(context, reply.raw);
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Gemini's countTokens, answered locally: an estimate (about four characters a token) good enough
 * for the CLI's context-window bookkeeping; no provider is called and nothing is billed.
 */
function countTokensEstimate(body: unknown): number {
  return Math.ceil(JSON.stringify(body ?? {}).length / 4);
}
