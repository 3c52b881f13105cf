import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import { FastifyRequest, LogController } from 'fastify';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { UnknownErrorFilter } from './common/http/unknown-error.filter';
import { AppConfig } from './config/app-config';
import { traceAwareChildLogger } from './metrics/trace-context';

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
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // A valid W3C `traceparent` adds its trace id (`traceId`) to every log line of the request.
    childLoggerFactory: traceAwareChildLogger,
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
  // SIGTERM: drain in-flight requests (GracefulShutdown), close everything, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  if (config.hasRole('admin')) {
    mountSwagger(app);
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
      try {
        done(null, JSON.parse(body.toString('utf8')));
      } catch {
        done(new BadRequestException('Request body is not valid JSON'));
      }
    },
  );
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
