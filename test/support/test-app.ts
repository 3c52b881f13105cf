import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'pino';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadEnv } from '../../src/config/load-env';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * Boots the real application on a random port; `overrides` replace environment variables, and
 * `logger` (a pino logger on a test's own stream) captures its log lines.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  logger?: Logger,
): Promise<TestApp> {
  const config = new AppConfig(loadEnv({ ...process.env, ...overrides }));
  const { app } = await createApp(config, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') {
    throw new Error('test app did not bind a TCP port');
  }
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
