import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateGatewayRequest } from '../gateway/auth/gateway-auth.guard';
import { GatewayKeyService } from '../gateway/auth/gateway-key.service';
import { InFlightRequests } from '../metrics/in-flight-requests';
import { AnthropicMessagesController } from './anthropic-messages.controller';
import { OpenAiGeminiController } from './openai-gemini.controller';
import { sendProxyError } from './proxy-error.filter';
import { ProxyRequest } from './proxy-request';

type ProxyHandler = (request: ProxyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The POST endpoints the CLIs call, routed by Fastify itself instead of through Nest. Nest's
 * per-request execution context (guard and interceptor consumers, the rxjs pipeline around the
 * handler, the exception-filter lookup) was about 15 % of a gateway worker's allocations per
 * request and a few percent of its CPU; here each request costs one closure. What Nest did for
 * these routes is done explicitly: the gateway key is authenticated as by GatewayAuthGuard, the
 * handler is counted in InFlightRequests for graceful shutdown, and errors get the client's
 * envelope as from ProxyErrorFilter. Fastify's own hooks (request id, body parsing, the 503 while
 * shutting down) apply as to every route. The rest of the proxy surface (model lists, `HEAD /`)
 * stays on Nest controllers.
 */
export function mountProxyRoutes(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const keys = app.get(GatewayKeyService);
  const inFlight = app.get(InFlightRequests);
  const anthropic = app.get(AnthropicMessagesController);
  const openAi = app.get(OpenAiGeminiController);
  const logger = new Logger('ProxyError');

  const route = (path: string, handle: ProxyHandler): void => {
    fastify.post(path, async (request: FastifyRequest, reply: FastifyReply) => {
      const release = inFlight.begin();
      try {
        const principal = await authenticateGatewayRequest(keys, request);
        await handle(Object.assign(request, { user: principal }), reply);
      } catch (error: unknown) {
        sendProxyError(error, request, reply, logger);
      } finally {
        release();
      }
    });
  };

  route('/v1/messages', (request, reply) => anthropic.create(request, reply));
  route('/v1/messages/count_tokens', (request, reply) => anthropic.countTokens(request, reply));
  route('/v1/chat/completions', (request, reply) => openAi.chat(request, reply));
  route('/v1/responses', (request, reply) => openAi.responses(request, reply));
  for (const version of ['v1beta', 'v1', 'v1alpha']) {
    route(`/${version}/models/*`, (request, reply) => openAi.gemini(request, reply));
  }
}
