import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FakeAnthropic } from './fake-anthropic';
import { seedProvider } from './seed';
import { startTestApp, TestApp } from './test-app';
import { TEST_ENV } from './test-env';

/** A gateway, a fake Anthropic provider in a group of its own, and a connection to the ledger. */
export interface GatewayBed {
  ctx: TestApp;
  db: Client;
  upstream: FakeAnthropic;
  /** Providers created by other suites are never in this group, so they never serve its keys. */
  group: string;
  close(): Promise<void>;
}

export async function startGatewayBed(
  provider: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<GatewayBed> {
  const ctx = await startTestApp(env);
  const db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
  await db.connect();
  const upstream = await FakeAnthropic.start();
  const group = `g-${randomUUID().slice(0, 8)}`;
  await seedProvider(ctx.baseUrl, {
    baseUrl: upstream.url,
    apiKey: upstream.apiKey,
    groups: [group],
    ...provider,
  });
  return {
    ctx,
    db,
    upstream,
    group,
    close: async () => {
      await upstream.close();
      await db.end();
      await ctx.close();
    },
  };
}
