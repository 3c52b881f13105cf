import { Controller, Get, Head, HttpCode, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { GatewayAuthGuard } from '../gateway/auth/gateway-auth.guard';
import { isRecord } from '../protocols/common/json-narrowing';
import {
  inspectAnthropicBytes,
  inspectAnthropicRequest,
} from '../protocols/anthropic-messages/anthropic-messages.request';
import { ProxyPipeline } from './proxy-pipeline.service';
import { ProxyRequest } from './proxy-request';
import { clientNameOf } from './client-name';
import { anthropicForwardHeaders, forwardQuery } from './forward-headers';
import { ModelsService } from './models.service';
import { ProxyErrorFilter } from './proxy-error.filter';
import { lazyProxyBody, parseProxyBody, scanProxyBody } from './proxy-body';

const MAX_SESSION_ID_LENGTH = 128;

/** Anthropic Messages ingress (Claude Code, Droid's Anthropic mode, the Anthropic SDK). */
@ApiExcludeController()
@UseFilters(ProxyErrorFilter)
@Controller()
export class AnthropicMessagesController {
  constructor(
    private readonly messages: ProxyPipeline,
    private readonly models: ModelsService,
  ) {}

  /** Claude Code probes `HEAD /` before its first request. */
  @Head()
  @HttpCode(200)
  probe(): void {
    return undefined;
  }

  @Get()
  root(): { service: string; status: string } {
    return { service: 'cch', status: 'ok' };
  }

  /** `POST /v1/messages`, routed by Fastify directly (see proxy-routes). */
  async create(request: ProxyRequest, reply: FastifyReply): Promise<void> {
    // Only the fields routing and metering need are read from the bytes; the body is parsed into
    // objects only if a provider of another protocol ends up serving it.
    const inspection = scanProxyBody(request.body, inspectAnthropicBytes);
    if (!inspection.ok) {
      throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, inspection.message);
    }
    const headerSession = request.headers['x-claude-code-session-id'];
    const sessionId =
      (typeof headerSession === 'string' && headerSession.length > 0
        ? headerSession.slice(0, MAX_SESSION_ID_LENGTH)
        : null) ?? inspection.metadataSessionId;
    reply.hijack();
    await this.messages.handle(
      {
        requestId: String(request.id),
        principal: request.user,
        clientProtocol: 'anthropic',
        body: lazyProxyBody(request.body),
        hints: {},
        clientName: clientNameOf(request.headers),
        sessionId,
        model: inspection.model,
        stream: inspection.stream,
        maxOutputTokens: inspection.maxTokens,
        rawBody: request.body as Buffer,
        query: forwardQuery(request.url),
        forwardHeaders: anthropicForwardHeaders(request.headers),
        startedAt: performance.now(),
        startedAtMs: Date.now(),
      },
      reply.raw,
    );
  }

  /** `POST /v1/messages/count_tokens`, routed by Fastify directly (see proxy-routes). */
  async countTokens(request: ProxyRequest, reply: FastifyReply): Promise<void> {
    const body = parseProxyBody(request.body);
    const inspection = inspectAnthropicRequest({ max_tokens: 1, ...asObject(body) });
    if (!inspection.ok) {
      throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, inspection.message);
    }
    reply.hijack();
    await this.messages.countTokens(
      {
        requestId: String(request.id),
        principal: request.user,
        model: inspection.model,
        rawBody: request.body as Buffer,
        query: forwardQuery(request.url),
        forwardHeaders: anthropicForwardHeaders(request.headers),
      },
      reply.raw,
    );
  }

  @Get('v1/models')
  @UseGuards(GatewayAuthGuard)
  async list(@Req() request: ProxyRequest): Promise<unknown> {
    const ids = await this.models.modelsFor(request.user);
    return request.headers['anthropic-version'] !== undefined
      ? this.models.anthropicShape(ids)
      : this.models.openAiShape(ids);
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
