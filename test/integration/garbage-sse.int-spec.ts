import Anthropic from '@anthropic-ai/sdk';
import { ApiError as GenAiError } from '@google/genai';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { GARBAGE_KINDS, GarbageKind } from '../support/fake-garbage';
import { FakeProvider } from '../support/fake-providers';
import { ask, ClientKind, InBandStreamError } from '../support/sdk-clients';
import { LedgerRow, seedProvider, seedUserAndKey, waitForLedger } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

type ProviderProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

/** For each provider protocol: its own SDK (pass-through) and one other (converted). */
const CLIENTS_OF: Record<ProviderProtocol, ClientKind[]> = {
  anthropic: ['anthropic-sdk', 'openai-chat-sdk'],
  'openai-chat': ['openai-chat-sdk', 'anthropic-sdk'],
  'openai-responses': ['openai-responses-sdk', 'genai-sdk'],
  gemini: ['genai-sdk', 'openai-responses-sdk'],
};

interface Route {
  broken: FakeAnthropic | FakeProvider;
  healthy: FakeAnthropic | FakeProvider;
  group: string;
}

/**
 * 'typed' when the client saw its protocol's own failure: the SDK's error type (what a client
 * program catches), or for Responses the terminal `response.failed` event the SDK hands over.
 * Anything else is described, so a failing case says what the client got instead.
 */
function clientSaw(client: ClientKind, error: unknown): string {
  const typed =
    client === 'anthropic-sdk'
      ? error instanceof Anthropic.APIError
      : client === 'genai-sdk'
        ? error instanceof GenAiError
        : error instanceof OpenAI.APIError ||
          (client === 'openai-responses-sdk' &&
            error instanceof InBandStreamError &&
            (error.event === 'response.failed' || error.event === 'error'));
  if (typed) return 'typed';
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

const cases = (Object.keys(CLIENTS_OF) as ProviderProtocol[]).flatMap((provider) =>
  CLIENTS_OF[provider].flatMap((client) =>
    GARBAGE_KINDS.map((garbage) => [provider, client, garbage] as const),
  ),
);

describe('Garbage SSE from an upstream: failover before content, a clean in-band error after', () => {
  let ctx: TestApp;
  let db: Client;
  const routes = new Map<ProviderProtocol, Route>();

  beforeAll(async () => {
    // The broken provider must stay eligible for every case: no breaker trips here.
    ctx = await startTestApp({ BREAKER_MIN_REQUESTS: '100000' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    for (const protocol of Object.keys(CLIENTS_OF) as ProviderProtocol[]) {
      const start = () =>
        protocol === 'anthropic' ? FakeAnthropic.start() : FakeProvider.start(protocol);
      const [broken, healthy] = await Promise.all([start(), start()]);
      const group = `g-${randomUUID().slice(0, 8)}`;
      for (const [priority, upstream] of [broken, healthy].entries()) {
        await seedProvider(ctx.baseUrl, {
          type: protocol,
          baseUrl: upstream.url,
          apiKey: upstream.apiKey,
          groups: [group],
          priority,
          timeouts: { connectMs: 1000, firstByteMs: 2000, idleMs: 2000 },
        });
      }
      routes.set(protocol, { broken, healthy, group });
    }
  });

  afterAll(async () => {
    for (const route of routes.values()) {
      await route.broken.close();
      await route.healthy.close();
    }
    await db.end();
    await ctx.close();
  });

  /** A key of its own per case, so the case's ledger rows are exactly the key's rows. */
  async function runCase(
    provider: ProviderProtocol,
    client: ClientKind,
    garbage: GarbageKind,
    afterContent: boolean,
  ): Promise<{ text: string | null; error: unknown; rows: LedgerRow[]; route: Route }> {
    const route = routes.get(provider) as Route;
    route.broken.reset();
    route.healthy.reset();
    route.broken.enqueue({ kind: 'garbage', garbage, afterContent });
    const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: route.group });
    let text: string | null = null;
    let error: unknown = null;
    try {
      text = await ask(ctx.baseUrl, client, caller.key, true, randomUUID());
    } catch (caught: unknown) {
      error = caught;
    }
    await waitForLedger(db, caller.keyId, 1);
    // Anything recorded twice would have arrived by now, with the first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { text, error, rows: await waitForLedger(db, caller.keyId, 2, 0), route };
  }

  it.each(cases)(
    'should fail a %s upstream over to the next provider when it sends garbage before content (%s client, %s)',
    async (provider, client, garbage) => {
      const { text, error, rows, route } = await runCase(provider, client, garbage, false);
      expect(error).toBeNull();
      expect(text).toBe('Hello from the fake upstream.');
      expect(route.broken.requests).toHaveLength(1);
      expect(route.healthy.requests).toHaveLength(1);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'success', attempts: 2 });
    },
  );

  it.each(cases)(
    'should end a %s stream with an in-band error when garbage follows content (%s client, %s)',
    async (provider, client, garbage) => {
      const { error, rows, route } = await runCase(provider, client, garbage, true);
      expect(clientSaw(client, error)).toBe('typed');
      // Content had reached the client: no second provider may add to it.
      expect(route.healthy.requests).toHaveLength(0);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.status).toBe('error');
      expect(rows[0]?.error_class).toMatch(/^upstream_stream_(error|truncated|invalid)$/);
    },
  );

  const endless = (Object.keys(CLIENTS_OF) as ProviderProtocol[]).flatMap((provider) =>
    CLIENTS_OF[provider].flatMap((client) =>
      [false, true].map((afterContent) => [provider, client, afterContent] as const),
    ),
  );

  it.each(endless)(
    'should hang up on a %s upstream whose line never ends, holding at most 16 MiB (%s client, after content: %s)',
    async (provider, client, afterContent) => {
      const { text, error, rows, route } = await runCase(
        provider,
        client,
        'endless-line',
        afterContent,
      );
      if (afterContent) {
        expect(clientSaw(client, error)).toBe('typed');
        expect(rows[0]).toMatchObject({ status: 'error' });
        expect(rows[0]?.error_class).toMatch(/^upstream_stream_(invalid|error)$/);
      } else {
        expect(text).toBe('Hello from the fake upstream.');
        expect(rows[0]).toMatchObject({ status: 'success', attempts: 2 });
      }
      expect(rows).toHaveLength(1);
      // The gateway cut the upstream off: the fake never reached its own 64 MiB limit.
      expect(route.broken.abortedRequests).toBe(1);
    },
  );

  it('should still serve normally after all that garbage', async () => {
    const route = routes.get('anthropic') as Route;
    route.broken.reset();
    const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: route.group });
    await expect(ask(ctx.baseUrl, 'anthropic-sdk', caller.key, true, randomUUID())).resolves.toBe(
      'Hello from the fake upstream.',
    );
  });
});
