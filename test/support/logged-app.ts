import { Writable } from 'node:stream';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadEnv } from '../../src/config/load-env';
import { createRootLogger } from '../../src/common/logging/logger';

/** An admin-role app with CCH's own logger, whose lines (parsed) are kept in memory. */
export interface LoggedApp {
  baseUrl: string;
  lines: Record<string, unknown>[];
  /** The lines of one request, by its `x-cch-request-id`. */
  linesOf(requestId: string | null): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startLoggedApp(level: string): Promise<LoggedApp> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim().length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = new AppConfig(loadEnv({ ...process.env, CCH_ROLES: 'admin' }));
  const { app } = await createApp(config, createRootLogger(level, sink));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    lines,
    linesOf: (requestId) => lines.filter((line) => line.requestId === requestId),
    close: () => app.close(),
  };
}

/**
 * A LoggedApp for the enclosing `describe`: started before its tests, closed after them. A
 * getter, because the app exists only once `beforeAll` has run.
 */
export function loggedAppFor(level: string): () => LoggedApp {
  let app: LoggedApp | null = null;
  beforeAll(async () => {
    app = await startLoggedApp(level);
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (app === null) throw new Error('the logged app is used before beforeAll started it');
    return app;
  };
}
