import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { FakeProvider } from '../support/fake-providers';
import { ask, ClientKind } from '../support/sdk-clients';
import { seedProvider, seedUserAndKey, waitForRow } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

type ProviderProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

const PROVIDERS: ProviderProtocol[] = ['anthropic', 'openai-chat', 'openai-responses', 'gemini'];
const CLIENTS: ClientKind[] = [
  'anthropic-sdk',
  'openai-chat-sdk',
  'openai-responses-sdk',
  'genai-sdk',
];
const TEXT = 'Hello from the fake upstream.';

interface Route {
  key: string;
  keyId: string;
  upstream: FakeAnthropic | FakeProvider;
}

describe('Gateway: every client protocol × every provider protocol, through the official SDKs', () => {
  let ctx: TestApp;
  let db: Client;
  const routes = new Map<ProviderProtocol, Route>();

  beforeAll(async () => {
    ctx = await startTestApp();
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    for (const protocol of PROVIDERS) {
      const upstream =
        protocol === 'anthropic' ? await FakeAnthropic.start() : await FakeProvider.start(protocol);
      const group = `g-${randomUUID().slice(0, 8)}`;
      await seedProvider(ctx.baseUrl, {
        type: protocol,
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
        groups: [group],
      });
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      routes.set(protocol, { key: caller.key, keyId: caller.keyId, upstream });
    }
  });

  afterAll(async () => {
    for (const route of routes.values()) await route.upstream.close();
    await db.end();
    await ctx.close();
  });

  async function countRows(keyId: string): Promise<number> {
    const result = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM usage_records WHERE api_key_id = $1',
      [keyId],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  const pairs = CLIENTS.flatMap((client) =>
    PROVIDERS.flatMap((provider) =>
      [false, true].map((stream) => [client, provider, stream] as const),
    ),
  );

  it.each(pairs)(
    'should serve %s through a %s provider (stream: %s)',
    async (client, provider, stream) => {
      const route = routes.get(provider) as Route;
      const before = await countRows(route.keyId);
      const text = await ask(ctx.baseUrl, client, route.key, stream, randomUUID());
      expect(text).toBe(TEXT);

      // One new ledger row, with the usage normalised: input excludes cache reads whatever the protocols.
      await waitForRow(db, '(SELECT count(*) FROM usage_records WHERE api_key_id = $1) > $2', [
        route.keyId,
        before,
      ]);
      const newest = await db.query(
        'SELECT * FROM usage_records WHERE api_key_id = $1 ORDER BY id DESC LIMIT 1',
        [route.keyId],
      );
      expect(newest.rows[0]).toMatchObject({
        status: 'success',
        stream,
        output_tokens: '7',
        input_tokens: '21',
        cache_read_tokens: '300',
        provider_protocol: provider,
      });
    },
  );

  it.each([
    [
      'openai-chat',
      '/v1/chat/completions',
      {
        model: 'm-1',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
        x_vendor_field: 1,
      },
    ],
    [
      'openai-chat',
      '/v1/chat/completions',
      { model: 'm-1', messages: [{ role: 'user', content: 'hi' }], x_vendor_field: 1 },
    ],
    [
      'openai-responses',
      '/v1/responses',
      { model: 'm-1', stream: true, input: 'hi', x_vendor_field: 1 },
    ],
    [
      'gemini',
      '/v1beta/models/m-1:streamGenerateContent?alt=sse',
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], x_vendor_field: 1 },
    ],
  ] as const)(
    'should pass %s bytes through unchanged to a provider of the same protocol (%s)',
    async (protocol, path, body) => {
      const route = routes.get(protocol) as Route;
      route.upstream.requests.length = 0;
      const raw = JSON.stringify(body);
      const response = await fetch(`${ctx.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${route.key}`,
          'x-goog-api-key': route.key,
        },
        body: raw,
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('Hello');
      // Unknown vendor fields survive: the upstream got the very bytes the client sent.
      expect(route.upstream.requests[0]?.rawBody).toBe(raw);
    },
  );

  describe('errors across protocols', () => {
    afterEach(() => {
      for (const route of routes.values()) route.upstream.reset();
    });

    it('should give an OpenAI client a typed rate-limit error, with retry-after, from an Anthropic 429', async () => {
      const route = routes.get('anthropic') as Route;
      route.upstream.always({ kind: 'status', status: 429, retryAfter: '7' });
      const sdk = new OpenAI({ baseURL: `${ctx.baseUrl}/v1`, apiKey: route.key, maxRetries: 0 });
      const error = await sdk.chat.completions
        .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe(
        '7',
      );
    });

    it('should give an Anthropic client an overloaded error from a Gemini 503', async () => {
      const route = routes.get('gemini') as Route;
      route.upstream.always({ kind: 'status', status: 503 });
      const sdk = new Anthropic({ baseURL: ctx.baseUrl, apiKey: route.key, maxRetries: 0 });
      const error = await sdk.messages
        .create({
          model: 'claude-sonnet-4-6',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error' },
      });
    });

    it('should return an upstream 400 to a Gemini client in the Google envelope, without failover', async () => {
      const route = routes.get('anthropic') as Route;
      route.upstream.always({
        kind: 'status',
        status: 400,
        body: {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'prompt is too long' },
        },
      });
      const response = await fetch(
        `${ctx.baseUrl}/v1beta/models/claude-sonnet-4-6:generateContent`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': route.key },
          body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
        },
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        error: { code: number; status: string; message: string };
      };
      expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      expect(body.error.message).toContain('prompt is too long');
      expect(route.upstream.requests).toHaveLength(1);
    });
  });

  it('should add cache breakpoints for an Anthropic provider when the client protocol has none', async () => {
    const route = routes.get('anthropic') as Route;
    route.upstream.reset();
    const sdk = new OpenAI({ baseURL: `${ctx.baseUrl}/v1`, apiKey: route.key, maxRetries: 0 });
    await sdk.responses.create({
      model: 'claude-sonnet-4-6',
      instructions: 'You are terse.',
      input: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    const sent = JSON.stringify(route.upstream.requests[0]?.body);
    expect(sent).toContain('"cache_control":{"type":"ephemeral"}');
  });
});
