import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { LogController } from 'fastify';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { UnknownErrorFilter } from './common/http/unknown-error.filter';
import { AppConfig } from './config/app-config';

/** Claude Code sends ~400 KB bodies routinely; long sessions with images go far beyond. */
export const BODY_LIMIT_BYTES = 64 * 1024 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,64}$/;

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
    // Keep an upstream caller's id (ingress, OpenTelemetry) when it is sane; else mint one.
    genReqId: (request: IncomingMessage) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)
        ? incoming
        : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    adapter,
    { logger: new PinoNestLogger(rootLogger), bufferLogs: false },
  );
  app.useGlobalFilters(new UnknownErrorFilter());
  app.enableShutdownHooks();
  if (config.hasRole('admin')) {
    mountSwagger(app);
  }
  return { app, logger: rootLogger };
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
