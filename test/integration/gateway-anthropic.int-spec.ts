import Anthropic from '@anthropic-ai/sdk';
import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { uuidTimestamp } from '../../src/common/ids/time-ordered-uuid';
import { FAKE_USAGE, FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedUserAndKey, SeededKey, waitForRequest, waitForRow } from '../support/seed';
import { TestApp } from '../support/test-app';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';

const MODEL = 'claude-sonnet-4-6';

describe('Gateway: Anthropic Messages', () => {
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let group: string;
  let caller: SeededKey;

  let bed: GatewayBed;

  beforeAll(async () => {
    bed = await startGatewayBed({
      modelRedirects: { 'claude-legacy*': MODEL },
      costMultiplier: '2',
    });
    ({ ctx, db, upstream, group } = bed);
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  });

  afterAll(async () => {
    await bed.close();
  });

  beforeEach(() => upstream.reset());

  const sdk = (options: ConstructorParameters<typeof Anthropic>[0]) =>
    new Anthropic({ baseURL: ctx.baseUrl, maxRetries: 0, ...options });

  describe('with the official SDK', () => {
    it('should answer non-streaming requests with each way of sending the key', async () => {
      const clients = [
        sdk({ apiKey: caller.key }),
        sdk({
          apiKey: null,
          authToken: null,
          defaultHeaders: { 'x-api-key': caller.key, authorization: null },
        }),
        sdk({
          apiKey: null,
          authToken: null,
          defaultHeaders: { 'x-goog-api-key': caller.key, authorization: null },
        }),
      ];
      for (const client of clients) {
        const message = await client.messages.create({
          model: MODEL,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'say hi' }],
        });
        expect(message.content[0]).toMatchObject({
          type: 'text',
          text: 'Hello from the fake upstream.',
        });
        expect(message.usage.input_tokens).toBe(FAKE_USAGE.input_tokens);
      }
      // The upstream saw its own key, never the caller's.
      for (const request of upstream.requests) {
        expect(request.headers['x-api-key']).toBe(upstream.apiKey);
        expect(JSON.stringify(request.headers)).not.toContain(caller.key);
      }
    });

    it('should stream through with event lines and record the usage', async () => {
      const session = `sess-${randomUUID()}`;
      const stream = sdk({ apiKey: caller.key }).messages.stream(
        { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'stream please' }] },
        {
          headers: {
            'anthropic-beta': 'interleaved-thinking-2025-05-14',
            'x-claude-code-session-id': session,
          },
        },
      );
      const texts: string[] = [];
      stream.on('text', (text) => texts.push(text));
      const final = await stream.finalMessage();
      expect(texts.join('')).toBe('Hello from the fake upstream.');
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(FAKE_USAGE.output_tokens);

      const forwarded = upstream.requests[0];
      expect(forwarded?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
      expect(forwarded?.headers['anthropic-version']).toBeDefined();

      const row = await waitForRow(db, 'session_id = $1', [session]);
      expect(row).toMatchObject({
        status: 'success',
        stream: true,
        requested_model: MODEL,
        upstream_model: MODEL,
        session_id: session,
        input_tokens: String(FAKE_USAGE.input_tokens),
        output_tokens: String(FAKE_USAGE.output_tokens),
        cache_write_5m_tokens: '60',
        cache_write_1h_tokens: '40',
        cache_read_tokens: '300',
        client_name: 'sdk',
        attempts: 1,
      });
      // (21*3 + 7*15 + 60*3.75 + 40*6 + 300*0.3) / 1e6 * multiplier 2 = 723 / 1e6 * 2
      expect(row?.cost_usd).toBe('0.0014460000');
    });

    it('should give typed authentication errors for bad, revoked and expired keys', async () => {
      const revoked = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      await call(ctx.baseUrl, 'DELETE', `/api/keys/${revoked.keyId}`);
      const expired = await seedUserAndKey(
        ctx.baseUrl,
        { providerGroup: group },
        {
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
        },
      );
      const cases: [string, RegExp][] = [
        ['sk-cch-' + 'x'.repeat(48), /Invalid API key/],
        ['not-even-a-key', /Invalid API key/],
        [revoked.key, /revoked/],
        [expired.key, /expired/],
      ];
      for (const [key, message] of cases) {
        const error = await sdk({ apiKey: key })
          .messages.create({
            model: MODEL,
            max_tokens: 10,
            messages: [{ role: 'user', content: 'x' }],
          })
          .then(
            () => null,
            (caught: unknown) => caught,
          );
        expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
        const typed = error as InstanceType<typeof Anthropic.AuthenticationError>;
        expect(typed.status).toBe(401);
        expect(typed.error).toMatchObject({
          type: 'error',
          error: { type: 'authentication_error' },
        });
        expect(typed.message).toMatch(message);
      }
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe('over raw HTTP', () => {
    const post = (
      headers: Record<string, string>,
      body: unknown,
      path = '/v1/messages?beta=true',
    ) =>
      fetch(`${ctx.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          ...headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const minimal = { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

    it('should answer HEAD / and GET / for the CLI connectivity probe', async () => {
      expect((await fetch(`${ctx.baseUrl}/`, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(`${ctx.baseUrl}/`)).status).toBe(200);
    });

    it('should refuse two different keys in one request with 401', async () => {
      const other = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      const response = await post(
        { 'x-api-key': caller.key, authorization: `Bearer ${other.key}` },
        minimal,
      );
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
      // The same key twice is fine (Claude Code sends both when both variables are set).
      const same = await post(
        { 'x-api-key': caller.key, authorization: `Bearer ${caller.key}` },
        minimal,
      );
      expect(same.status).toBe(200);
    });

    it('should answer bad JSON and missing fields in the Anthropic envelope', async () => {
      const badJson = await post({ 'x-api-key': caller.key }, '{"model":');
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error' },
      });
      const noModel = await post({ 'x-api-key': caller.key }, { messages: [] });
      expect(noModel.status).toBe(400);
      expect(((await noModel.json()) as { error: { message: string } }).error.message).toMatch(
        /model/,
      );
      expect(upstream.requests).toHaveLength(0);
    });

    it('should carry a time-ordered request id on every proxy response', async () => {
      const before = Date.now();
      const ok = await post({ 'x-api-key': caller.key }, minimal);
      const unauthorised = await post({}, minimal);
      const after = Date.now();
      expect(unauthorised.status).toBe(401);
      const ids = [ok, unauthorised].map((response) => response.headers.get('x-cch-request-id'));
      for (const id of ids) {
        // A UUIDv7 minted while the request was in flight: the ledger's index grows at one end.
        const minted = uuidTimestamp(id ?? '');
        expect(minted).not.toBeNull();
        expect(minted).toBeGreaterThanOrEqual(before);
        expect(minted).toBeLessThanOrEqual(after);
      }
      // The ledger row is keyed by the same id the client was given.
      expect((await waitForRequest(db, ids[0]))?.request_id).toBe(ids[0]);
    });

    it('should enforce the user allowed models with a 403 permission error', async () => {
      const limited = await seedUserAndKey(ctx.baseUrl, {
        providerGroup: group,
        allowedModels: ['claude-haiku*'],
      });
      const refused = await post({ 'x-api-key': limited.key }, minimal);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({
        type: 'error',
        error: { type: 'permission_error' },
      });
      const allowed = await post(
        { 'x-api-key': limited.key },
        { ...minimal, model: 'claude-haiku-4-5' },
      );
      expect(allowed.status).toBe(200);
    });

    it('should redirect a model and record both names', async () => {
      const response = await post(
        { 'x-api-key': caller.key },
        { ...minimal, model: 'claude-legacy-3' },
      );
      expect(response.status).toBe(200);
      expect(upstream.requests[0]?.body?.model).toBe(MODEL);
      const requestId = response.headers.get('x-cch-request-id');
      const row = await waitForRequest(db, requestId);
      expect(row).toMatchObject({ requested_model: 'claude-legacy-3', upstream_model: MODEL });
    });

    it('should pass count_tokens through and list the models of the key', async () => {
      const counted = await post(
        { 'x-api-key': caller.key },
        { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
        '/v1/messages/count_tokens',
      );
      expect(counted.status).toBe(200);
      expect(await counted.json()).toEqual({ input_tokens: 42 });

      const anthropicShape = await fetch(`${ctx.baseUrl}/v1/models`, {
        headers: { 'x-api-key': caller.key, 'anthropic-version': '2023-06-01' },
      });
      // The provider lists no concrete models and its only redirect is a pattern: nothing to list.
      expect(await anthropicShape.json()).toEqual({
        data: [],
        has_more: false,
        first_id: null,
        last_id: null,
      });
      const openAiShape = await fetch(`${ctx.baseUrl}/v1/models`, {
        headers: { authorization: `Bearer ${caller.key}` },
      });
      expect(await openAiShape.json()).toMatchObject({ object: 'list' });
    });

    it('should relay a 200 that is not JSON as it came, and record it as an error', async () => {
      const text = '{"id":"msg_1","content":[{"type":"text","text":"cut off';
      upstream.enqueue({ kind: 'raw-json', text });
      const response = await post({ 'x-api-key': caller.key }, minimal);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(text);
      const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
      expect(row).toMatchObject({ status: 'error', error_class: 'upstream_invalid_json' });
    });

    it('should meter a 200 from the bytes, whatever the order and spacing of its fields', async () => {
      const text = `{ "usage" : { "input_tokens" : 5, "output_tokens" : 9 } ,
        "content": [{"type": "text", "text": "{\\"usage\\": {\\"output_tokens\\": 1000}}"}],
        "stop_reason" : "max_tokens", "model": "${MODEL}", "type": "message" }`;
      upstream.enqueue({ kind: 'raw-json', text });
      const response = await post({ 'x-api-key': caller.key }, minimal);
      expect(await response.text()).toBe(text);
      const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
      expect(row).toMatchObject({
        status: 'success',
        input_tokens: '5',
        output_tokens: '9',
        stop_reason: 'max_tokens',
      });
    });

    it('should return an upstream 400 as it is, without failover', async () => {
      upstream.enqueue({
        kind: 'status',
        status: 400,
        body: {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'prompt is too long' },
        },
      });
      const response = await post({ 'x-api-key': caller.key }, minimal);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { message: 'prompt is too long' } });
      expect(upstream.requests).toHaveLength(1);
    });
  });

  it('should send whole answers with their length, not chunked (success and upstream 400)', async () => {
    upstream.enqueue({ kind: 'ok' });
    upstream.enqueue({
      kind: 'status',
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'too long' } },
    });
    const body = JSON.stringify({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    for (const expected of [200, 400]) {
      const answer = await rawPost(`${ctx.baseUrl}/v1/messages`, caller.key, body);
      expect(answer.status).toBe(expected);
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['content-length']).toBe(String(answer.body.length));
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject(
        expected === 200 ? { type: 'message' } : { error: { message: 'too long' } },
      );
    }
  });

  it('should report the time spent in CCH itself, excluding the upstream, in x-cch-overhead-ms', async () => {
    upstream.enqueue({ kind: 'ok', delayMs: 300 });
    const started = Date.now();
    const response = await fetch(`${ctx.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': caller.key },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const overhead = Number(response.headers.get('x-cch-overhead-ms'));
    expect(Number.isFinite(overhead)).toBe(true);
    expect(overhead).toBeGreaterThanOrEqual(0);
    // The 300 ms the upstream took are not CCH's.
    expect(overhead).toBeLessThan(300);
  });
});

/** A POST through node:http, which shows the answer's framing headers as they came. */
function rawPost(
  url: string,
  key: string,
  body: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
