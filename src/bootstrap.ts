import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { UnknownErrorFilter } from './common/http/unknown-error.filter';
import { adminJsonProblem, urlHasNul } from './common/http/json-guard';
import { GatewayError, GatewayErrorCode } from './common/errors/gateway-error';
import { clientProtocolOf } from './proxy/client-protocol';
import { errorEnvelope } from './proxy/proxy-error.filter';
import { AppConfig } from './config/app-config';
import { mountConsole } from './console/console-static';
import { mountProxyRoutes } from './proxy/proxy-routes';
import { traceAwareChildLogger } from './metrics/trace-context';
import { AccessLogController } from './common/logging/access-log';
import { timeOrderedUuid } from './common/ids/time-ordered-uuid';

/** Claude Code sends ~400 KB bodies routinely; long sessions with images go far beyond. */
export const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

export interface CreatedApp {
  app: NestFastifyApplication;
  logger: Logger;
}

/** Builds the Nest application for the configured roles without listening (tests use this too). */
export async function createApp(config: AppConfig, logger?: Logger): Promise<CreatedApp> {
  const rootLogger = logger ?? createRootLogger(config.env.LOG_LEVEL);
  const adapter = new FastifyAdapter({
    loggerInstance: rootLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.env.TRUST_PROXY === 'true',
    // Always minted here: the id keys the usage ledger, so a client must not be able to choose it.
    // Time-ordered, so the ledger's unique index on it grows at one end (see timeOrderedUuid).
    genReqId: () => timeOrderedUuid(),
    // One access line per request, on completion (see AccessLogController).
    logController: new AccessLogController(rootLogger),
    // A valid W3C `traceparent` adds its trace id (`traceId`) to every log line of the request.
    childLoggerFactory: traceAwareChildLogger,
    // A malformed URL never reaches a route; answer it like any other bad request.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const body = JSON.stringify({ statusCode: 400, message: error.message });
      void reply
        .code(400)
        .header('content-type', 'application/json')
        .send(PROXY_PATH.test(request.url) ? toProxyEnvelope(request, 400, body) : body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    adapter,
    // Body parsing is ours (installBodyParsing): raw bytes for proxy routes, JSON for admin.
    // During shutdown, requests on kept-alive connections get 503 + `Connection: close`.
    {
      logger: new PinoNestLogger(rootLogger),
      bufferLogs: false,
      bodyParser: false,
      return503OnClosing: true,
    },
  );
  app.useGlobalFilters(new UnknownErrorFilter());
  installBodyParsing(app);
  installAdminSecurityHeaders(app);
  if (config.hasRole('gateway')) mountProxyRoutes(app);
  // SIGTERM: drain in-flight requests (GracefulShutdown), close everything, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  if (config.hasRole('admin')) {
    mountSwagger(app);
    await mountConsole(app);
  }
  return { app, logger: rootLogger };
}

/** Paths of the proxy routes, whose bodies stay raw bytes. */
const PROXY_PATH = /^\/v1(beta|alpha)?\//;

/**
 * Proxy routes get the body as raw bytes: parsed once by the route, forwarded unchanged to a
 * same-protocol upstream, and a bad body answered in the client's protocol. Admin routes get
 * ordinary JSON. Every response carries the request id.
 */
function installBodyParsing(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      if (PROXY_PATH.test(request.url)) {
        done(null, body);
        return;
      }
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      const text = body.toString('utf8');
      const problem = adminJsonProblem(text);
      if (problem) {
        done(new BadRequestException(problem));
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new BadRequestException('Request body is not valid JSON'));
      }
    },
  );
  // Proxy routes take any content type as raw bytes: the route answers a non-JSON body with a
  // 400 in the client's own envelope instead of Fastify's generic 415.
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer' },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      if (PROXY_PATH.test(request.url)) done(null, body);
      else done(new UnsupportedMediaTypeException('Send application/json'));
    },
  );
  // Errors raised before a route runs (body too large, bad media type, malformed URL) come in the
  // framework's shape; on a proxy path they are rewritten into that client's protocol envelope.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400 || !PROXY_PATH.test(request.url) || typeof payload !== 'string') {
      done(null, payload);
      return;
    }
    done(null, toProxyEnvelope(request, reply.statusCode, payload));
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (urlHasNul(request.url)) {
      void reply.code(400).send({ statusCode: 400, message: 'The URL contains a NUL character.' });
      return;
    }
    // (Proxy paths get this answer in their protocol's envelope through the onSend hook.)
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-cch-request-id', request.id);
    done();
  });
}

/** The admin API and the machine-readable docs: JSON only, never framed or cached. */
const ADMIN_API_PATH = /^\/(api|docs-json|docs-yaml)(\/|\?|$)/;
/** Swagger UI: its own scripts, styles and images (its init script and inline bits). */
const SWAGGER_UI_PATH = /^\/docs(\/|\?|$)/;
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const SWAGGER_UI_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; frame-ancestors 'none'";

/**
 * Security headers of the admin surface (`/api/**`, `/docs`). Proxy routes are left alone: their
 * streaming (SSE) responses are shaped by the upstream protocol. No CORS headers anywhere (CORS
 * is never enabled), so browsers on other origins cannot read admin responses.
 */
function installAdminSecurityHeaders(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const isApi = ADMIN_API_PATH.test(request.url);
    if (isApi || SWAGGER_UI_PATH.test(request.url)) {
      void reply.headers({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': isApi ? API_CSP : SWAGGER_UI_CSP,
      });
      if (isApi) {
        void reply.header('cache-control', 'no-store');
      }
    }
    done();
  });
}

/** A framework-shaped error body (`{statusCode, message}`) in the proxy client's envelope. */
function toProxyEnvelope(request: FastifyRequest, status: number, payload: string): string {
  let message = 'Bad request';
  try {
    const parsed: unknown = JSON.parse(payload);
    if (parsed === null || typeof parsed !== 'object' || !('statusCode' in parsed)) return payload;
    if ('message' in parsed && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    return payload;
  }
  const error = new GatewayError(GatewayErrorCode.INVALID_REQUEST, message, { status });
  return JSON.stringify(
    errorEnvelope(clientProtocolOf(request.url, request.headers), error, String(request.id)),
  );
}

function mountSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CCH admin API')
      .setDescription(
        'Manage users, their gateway keys and upstream providers. Authenticate with ' +
          '`Authorization: Bearer <ADMIN_TOKEN>` or with a gateway key of an admin user.',
      )
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or gateway key' },
        'admin',
      )
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
