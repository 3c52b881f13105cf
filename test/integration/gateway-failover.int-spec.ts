import Anthropic from '@anthropic-ai/sdk';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { GatewayProcess } from '../support/gateway-process';
import { seedProvider, seedUserAndKey, waitForLedger, waitForRequest } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

const MODEL = 'claude-sonnet-4-6';
const BODY = { model: MODEL, max_tokens: 50, messages: [{ role: 'user' as const, content: 'hi' }] };

/** Two fake upstreams in a group of their own, a key in that group. */
async function setup(
  ctx: TestApp,
  providers: Record<string, unknown>[] = [{ priority: 0 }, { priority: 1 }],
) {
  const group = `g-${randomUUID().slice(0, 8)}`;
  const upstreams = await Promise.all(providers.map(() => FakeAnthropic.start()));
  const ids = [];
  for (const [index, upstream] of upstreams.entries()) {
    ids.push(
      await seedProvider(ctx.baseUrl, {
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
        groups: [group],
        timeouts: { connectMs: 1000, firstByteMs: 1500, idleMs: 1500 },
        ...providers[index],
      }),
    );
  }
  const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  return { upstreams, ids, caller, group };
}

function post(
  baseUrl: string,
  key: string,
  body: unknown = BODY,
  headers: Record<string, string> = {},
) {
  return fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('Gateway: failover, breaker, stickiness, disconnects', () => {
  let ctx: TestApp;
  let db: Client;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ctx = await startTestApp({
      BREAKER_MIN_REQUESTS: '3',
      BREAKER_FAILURE_RATE_PERCENT: '50',
      BREAKER_OPEN_MS: '1500',
    });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await db.end();
    await ctx.close();
  });

  async function fixture(providers?: Record<string, unknown>[]) {
    const built = await setup(ctx, providers);
    cleanups.push(async () => {
      await Promise.all(built.upstreams.map((upstream) => upstream.close()));
    });
    return built;
  }

  describe('failover before the first byte', () => {
    it.each([
      [
        'a 529 overloaded answer',
        { kind: 'status' as const, status: 529 },
        'upstream_overloaded',
        529,
      ],
      ['a 500 answer', { kind: 'status' as const, status: 500 }, 'upstream_5xx', 500],
      [
        'a 429 answer',
        { kind: 'status' as const, status: 429, retryAfter: '3' },
        'upstream_429',
        429,
      ],
      ['a dropped connection', { kind: 'drop' as const }, 'connection_error', null],
      [
        'an in-band overloaded error before any content',
        { kind: 'stream-error-before-content' as const },
        'upstream_overloaded',
        529, // the in-band error's type, as a status
      ],
      ['an upstream that never answers', { kind: 'hang' as const }, 'timeout', null],
    ])(
      'should serve from the second provider after %s, streaming, with no trace',
      async (_name, behaviour, failureClass, failureStatus) => {
        const { upstreams, ids, caller } = await fixture();
        const [first, second] = upstreams as [FakeAnthropic, FakeAnthropic];
        first.always(behaviour);
        const stream = new Anthropic({
          baseURL: ctx.baseUrl,
          apiKey: caller.key,
          maxRetries: 0,
        }).messages.stream(BODY);
        const events: string[] = [];
        stream.on('streamEvent', (event) => events.push(event.type));
        const final = await stream.finalMessage();
        expect(final.content[0]).toMatchObject({ text: 'Hello from the fake upstream.' });
        expect(events).not.toContain('error');
        expect(events[0]).toBe('message_start');
        expect(events.filter((type) => type === 'message_start')).toHaveLength(1);
        expect(first.requests).toHaveLength(1);
        expect(second.requests).toHaveLength(1);

        const requestId = (await stream.withResponse()).response.headers.get('x-cch-request-id');
        const row = await waitForRequest(db, requestId);
        expect(row).toMatchObject({ status: 'success', attempts: 2, provider_id: ids[1] });
        // The ledger says which provider failed and how; the metric counts the hidden attempt.
        expect(row?.attempt_log).toEqual([
          {
            providerId: ids[0],
            providerType: 'anthropic',
            outcome: failureClass,
            httpStatus: failureStatus,
            ms: expect.any(Number) as number,
          },
          {
            providerId: ids[1],
            providerType: 'anthropic',
            outcome: 'ok',
            httpStatus: 200,
            ms: expect.any(Number) as number,
          },
        ]);
        const metrics = await (await fetch(`${ctx.baseUrl}/metrics`)).text();
        expect(metrics).toContain(
          `cch_upstream_attempts_total{provider="${ids[0]}",outcome="${failureClass}"} 1`,
        );
        expect(metrics).toContain(
          `cch_upstream_attempts_total{provider="${ids[1]}",outcome="ok"} 1`,
        );
      },
    );

    it('should answer non-streaming requests from the second provider too', async () => {
      const { upstreams, caller } = await fixture();
      upstreams[0].always({ kind: 'status', status: 503 });
      const response = await post(ctx.baseUrl, caller.key);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        content: [{ text: 'Hello from the fake upstream.' }],
      });
    });

    it.each([
      [
        'a 429 answer',
        { kind: 'status' as const, status: 429, retryAfter: '3' },
        'upstream_429',
        429,
      ],
      ['a dropped connection', { kind: 'drop' as const }, 'connection_error', null],
      ['an upstream that never answers', { kind: 'hang' as const }, 'timeout', null],
    ])(
      'should serve a non-streaming request from the second provider after %s',
      async (_name, behaviour, failureClass, failureStatus) => {
        const { upstreams, ids, caller } = await fixture();
        const [first, second] = upstreams as [FakeAnthropic, FakeAnthropic];
        first.always(behaviour);
        const response = await post(ctx.baseUrl, caller.key);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          content: [{ text: 'Hello from the fake upstream.' }],
        });
        expect(first.requests).toHaveLength(1);
        expect(second.requests).toHaveLength(1);
        const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
        expect(row).toMatchObject({ status: 'success', attempts: 2, provider_id: ids[1] });
        expect(row?.attempt_log?.[0]).toMatchObject({
          providerId: ids[0],
          outcome: failureClass,
          httpStatus: failureStatus,
        });
      },
    );

    it('should answer with the last upstream status in the Anthropic envelope when all fail', async () => {
      const { upstreams, caller } = await fixture();
      for (const upstream of upstreams)
        upstream.always({ kind: 'status', status: 529, retryAfter: '7' });
      const response = await post(ctx.baseUrl, caller.key);
      expect(response.status).toBe(529);
      expect(response.headers.get('retry-after')).toBe('7');
      const body = (await response.json()) as {
        type: string;
        error: { type: string; message: string };
      };
      expect(body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      // The message names no upstream URL or key.
      for (const upstream of upstreams) {
        expect(body.error.message).not.toContain(upstream.url);
        expect(body.error.message).not.toContain(upstream.apiKey);
      }
      const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
      expect(row).toMatchObject({
        status: 'error',
        attempts: 2,
        error_class: 'upstream_overloaded',
        http_status: 529,
      });
    });

    it('should put a failure after the first byte in-band and end cleanly', async () => {
      const { upstreams, caller } = await fixture();
      upstreams[0].always({ kind: 'stream-reset-after-content' });
      const response = await post(ctx.baseUrl, caller.key, { ...BODY, stream: true });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('event: content_block_delta');
      expect(text.trimEnd().split('\n\n').pop()).toMatch(
        /^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
      );
      expect(upstreams[1].requests).toHaveLength(0);
      const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
      expect(row).toMatchObject({
        status: 'error',
        error_class: 'upstream_stream_error',
        attempts: 1,
      });
    });
  });

  describe('circuit breaker', () => {
    it('should open after repeated failures for every replica, and close after one good probe', async () => {
      // The second replica is a separate process: the breaker state can only travel through Redis.
      const second = await GatewayProcess.start({
        BREAKER_MIN_REQUESTS: '3',
        BREAKER_OPEN_MS: '1500',
      });
      cleanups.push(() => second.stop());
      const { upstreams, caller } = await fixture();
      const [flaky, healthy] = upstreams as [FakeAnthropic, FakeAnthropic];
      flaky.always({ kind: 'status', status: 500 });

      for (let index = 0; index < 3; index += 1) {
        expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
      }
      expect(flaky.requests).toHaveLength(3);
      // Open now: neither replica sends the flaky provider anything.
      expect((await post(ctx.baseUrl, caller.key)).status).toBe(200);
      expect((await post(second.baseUrl, caller.key)).status).toBe(200);
      expect(flaky.requests).toHaveLength(3);
      expect(healthy.requests).toHaveLength(5);

      // Recovered; after the cool-down exactly one probe goes through and closes the breaker.
      // The probe answers slowly, so the other requests are routed while it is still in flight.
      flaky.always({ kind: 'ok' });
      flaky.enqueue({ kind: 'ok', delayMs: 400 });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const probes = await Promise.all(
        [ctx.baseUrl, second.baseUrl, ctx.baseUrl, second.baseUrl].map((url) =>
          post(url, caller.key),
        ),
      );
      expect(probes.every((response) => response.status === 200)).toBe(true);
      expect(flaky.requests).toHaveLength(4);
      expect((await post(second.baseUrl, caller.key)).status).toBe(200);
      expect(flaky.requests).toHaveLength(5);
    });
  });

  describe('session stickiness', () => {
    it('should keep one session on the provider that served it among equals', async () => {
      const { upstreams, caller } = await fixture([
        { priority: 0, weight: 1 },
        { priority: 0, weight: 1 },
      ]);
      for (let session = 0; session < 4; session += 1) {
        for (const upstream of upstreams) upstream.requests.length = 0;
        const headers = { 'x-claude-code-session-id': randomUUID() };
        for (let turn = 0; turn < 6; turn += 1) {
          expect((await post(ctx.baseUrl, caller.key, BODY, headers)).status).toBe(200);
        }
        const served = upstreams.map((upstream) => upstream.requests.length).sort();
        expect(served).toEqual([0, 6]);
      }
    });

    it('should take the session id from metadata.user_id when the header is absent', async () => {
      const { upstreams, caller } = await fixture([{ priority: 0 }, { priority: 0 }]);
      const session = randomUUID();
      const body = {
        ...BODY,
        metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: session }) },
      };
      const response = await post(ctx.baseUrl, caller.key, body);
      const row = await waitForRequest(db, response.headers.get('x-cch-request-id'));
      expect(row?.session_id).toBe(session);
      for (let turn = 0; turn < 5; turn += 1) await post(ctx.baseUrl, caller.key, body);
      expect(upstreams.map((upstream) => upstream.requests.length).sort()).toEqual([0, 6]);
    });

    it('should leave a sticky provider that turned unhealthy', async () => {
      const { upstreams, caller } = await fixture([{ priority: 0 }, { priority: 0 }]);
      const headers = { 'x-claude-code-session-id': randomUUID() };
      await post(ctx.baseUrl, caller.key, BODY, headers);
      const sticky = upstreams.find((upstream) => upstream.requests.length === 1) as FakeAnthropic;
      const other = upstreams.find((upstream) => upstream !== sticky) as FakeAnthropic;
      sticky.always({ kind: 'status', status: 503 });
      expect((await post(ctx.baseUrl, caller.key, BODY, headers)).status).toBe(200);
      expect(other.requests).toHaveLength(1);
      // The session now sticks to the provider that served it.
      sticky.always({ kind: 'ok' });
      await post(ctx.baseUrl, caller.key, BODY, headers);
      expect(other.requests).toHaveLength(2);
    });
  });

  describe('client disconnect', () => {
    it('should abort the upstream request and record the request as aborted', async () => {
      const { upstreams, caller } = await fixture([{ priority: 0 }]);
      const upstream = upstreams[0];
      upstream.always({ kind: 'slow-stream', chunks: 200, delayMs: 20 });
      const requestId = await new Promise<string>((resolve, reject) => {
        const request = httpRequest(
          `${ctx.baseUrl}/v1/messages`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-api-key': caller.key,
              'anthropic-version': '2023-06-01',
            },
          },
          (response) => {
            response.once('data', () => {
              // Went away after the first content arrived.
              setTimeout(() => {
                request.destroy();
                resolve(String(response.headers['x-cch-request-id']));
              }, 100);
            });
          },
        );
        request.on('error', () => undefined);
        request.end(JSON.stringify({ ...BODY, stream: true }));
        setTimeout(() => reject(new Error('no response')), 5000);
      });
      const row = await waitForRequest(db, requestId);
      expect(row).toMatchObject({ status: 'aborted', error_class: 'client_aborted' });
      expect(Number(row?.input_tokens)).toBe(21);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(upstream.abortedRequests).toBe(1);
    });

    it('should abort an upstream request that has not answered yet when the client hangs up', async () => {
      // A first-byte timeout far beyond the test: only the client's hang-up can end the attempt.
      const { upstreams, caller } = await fixture([
        { priority: 0, timeouts: { connectMs: 1000, firstByteMs: 60_000, idleMs: 60_000 } },
      ]);
      const upstream = upstreams[0];
      upstream.always({ kind: 'hang' });
      const request = httpRequest(`${ctx.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': caller.key,
          'anthropic-version': '2023-06-01',
        },
      });
      request.on('error', () => undefined);
      request.end(JSON.stringify(BODY));
      const deadline = Date.now() + 5_000;
      while (upstream.requests.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(upstream.requests).toHaveLength(1);
      const hungUpAt = Date.now();
      request.destroy();
      const [row] = await waitForLedger(db, caller.keyId, 1, 5_000);
      expect(row).toMatchObject({ status: 'aborted', error_class: 'client_aborted' });
      while (upstream.abortedRequests === 0 && Date.now() - hungUpAt < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(upstream.abortedRequests).toBe(1);
    });
  });
});
