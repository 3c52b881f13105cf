import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QueueName } from '../../src/jobs/queue-names';
import { FakeAnthropic } from '../support/fake-anthropic';
import { FakeProvider } from '../support/fake-providers';
import { seedProvider, seedUserAndKey, SeededKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { loggedAppFor } from '../support/logged-app';

const MODEL = 'claude-sonnet-4-6';
const CLAUDE_CODE_UA = 'claude-cli/2.1.0 (external, cli)';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label order does not matter). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function sample(
  samples: Sample[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  return samples.find(
    (candidate) =>
      candidate.name === name &&
      Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  )?.value;
}

function post(baseUrl: string, key: string, stream: boolean, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      'user-agent': CLAUDE_CODE_UA,
      ...headers,
    },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 50,
      stream,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}

async function scrape(baseUrl: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/metrics`, { headers });
  return { response, text: await response.text() };
}

describe('Observability: /metrics', () => {
  let ctx: TestApp;
  let upstream: FakeAnthropic;
  let providerId: string;
  let caller: SeededKey;
  let parked: Job | undefined;

  beforeAll(async () => {
    ctx = await startTestApp();
    upstream = await FakeAnthropic.start();
    const group = `g-${randomUUID().slice(0, 8)}`;
    providerId = await seedProvider(ctx.baseUrl, {
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [group],
    });
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  });

  afterAll(async () => {
    await parked?.remove().catch(() => undefined);
    await upstream.close();
    await ctx.close();
  });

  it('should expose request counters, histograms, breaker, queue and usage metrics', async () => {
    // A job parked far in the future: the queue has depth while the worker leaves it alone.
    const healthQueue = ctx.app.get<Queue>(getQueueToken(QueueName.ProviderHealth));
    parked = await healthQueue.add('metrics-test-parked', {}, { delay: 3_600_000 });

    for (const stream of [false, true, true]) {
      const response = await post(ctx.baseUrl, caller.key, stream);
      expect(response.status).toBe(200);
      await response.text();
    }
    upstream.enqueue({ kind: 'status', status: 400 });
    const failed = await post(ctx.baseUrl, caller.key, false);
    expect(failed.status).toBe(400);
    await failed.text();

    // Request metrics count when the answer ends; a usage record counts when its batch is handed
    // on, up to USAGE_BATCH_WINDOW_MS later, so scrape until the four are in.
    let scraped = await scrape(ctx.baseUrl);
    for (let tries = 0; tries < 50; tries += 1) {
      const written = parseExposition(scraped.text);
      if (sample(written, 'cch_usage_records_written_total', { destination: 'queue' }) === 4) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      scraped = await scrape(ctx.baseUrl);
    }
    const { response, text } = scraped;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(text);
    const request = { route: 'anthropic', client: 'claude-code', provider: providerId };

    expect(sample(samples, 'cch_requests_total', { ...request, status: 'success' })).toBe(3);
    expect(sample(samples, 'cch_requests_total', { ...request, status: 'error' })).toBe(1);
    expect(
      sample(samples, 'cch_upstream_errors_total', { provider: providerId, class: 'upstream_400' }),
    ).toBe(1);

    const duration = { route: 'anthropic', client: 'claude-code' };
    expect(sample(samples, 'cch_request_duration_seconds_count', duration)).toBe(4);
    expect(
      sample(samples, 'cch_request_duration_seconds_bucket', { ...duration, le: '+Inf' }),
    ).toBe(4);
    expect(text).toMatch(
      /cch_request_duration_seconds_bucket\{le="0\.1",route="anthropic",client="claude-code"\}/,
    );
    const ttfb = { route: 'anthropic', provider: providerId };
    expect(sample(samples, 'cch_time_to_first_byte_seconds_count', ttfb)).toBe(4);
    expect(sample(samples, 'cch_time_to_first_byte_seconds_bucket', { ...ttfb, le: '60' })).toBe(4);

    expect(sample(samples, 'cch_breaker_state', { provider: providerId })).toBe(0);
    expect(sample(samples, 'cch_usage_records_written_total', { destination: 'queue' })).toBe(4);
    expect(sample(samples, 'cch_usage_records_spooled_total', {})).toBe(0);

    expect(
      sample(samples, 'cch_queue_depth', { queue: QueueName.ProviderHealth }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(samples, 'cch_queue_depth', { queue: QueueName.UsageRecords })).toBeDefined();
    expect(
      sample(samples, 'cch_queue_oldest_age_seconds', { queue: QueueName.UsageRecords }),
    ).toBeGreaterThanOrEqual(0);

    // Default process metrics.
    expect(sample(samples, 'process_cpu_user_seconds_total', {})).toBeDefined();
    expect(sample(samples, 'nodejs_eventloop_lag_seconds', {})).toBeDefined();
  });

  it("should histogram CCH's own time per answer, as x-cch-overhead-ms says, by conversion", async () => {
    const chat = await FakeProvider.start('openai-chat');
    try {
      const group = `g-${randomUUID().slice(0, 8)}`;
      await seedProvider(ctx.baseUrl, {
        type: 'openai-chat',
        baseUrl: chat.url,
        apiKey: chat.apiKey,
        groups: [group],
      });
      const translated = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      const overhead = (conversion: string) => ({ route: 'anthropic', conversion });
      const totals = (samples: Sample[], conversion: string) => ({
        count: sample(samples, 'cch_gateway_overhead_seconds_count', overhead(conversion)) ?? 0,
        sum: sample(samples, 'cch_gateway_overhead_seconds_sum', overhead(conversion)) ?? 0,
      });
      const before = parseExposition((await scrape(ctx.baseUrl)).text);
      const sent = { none: [] as number[], 'openai-chat': [] as number[] };
      for (const [key, conversion] of [
        [caller.key, 'none'],
        [translated.key, 'openai-chat'],
        [caller.key, 'none'],
        [translated.key, 'openai-chat'],
      ] as const) {
        const response = await post(ctx.baseUrl, key, false);
        expect(response.status).toBe(200);
        await response.text();
        sent[conversion].push(Number(response.headers.get('x-cch-overhead-ms')));
      }
      // Observed after the limits settle, which may finish after the client has the answer.
      let after = parseExposition((await scrape(ctx.baseUrl)).text);
      for (let tries = 0; tries < 50 && totals(after, 'openai-chat').count < 2; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = parseExposition((await scrape(ctx.baseUrl)).text);
      }
      for (const conversion of ['none', 'openai-chat'] as const) {
        const headerMs = sent[conversion].reduce((sum, value) => sum + value, 0);
        const delta = {
          count: totals(after, conversion).count - totals(before, conversion).count,
          sumMs: (totals(after, conversion).sum - totals(before, conversion).sum) * 1000,
        };
        expect({ conversion, count: delta.count }).toEqual({ conversion, count: 2 });
        // The header is rounded to 0.01 ms; the histogram holds the unrounded value.
        expect(Math.abs(delta.sumMs - headerMs)).toBeLessThanOrEqual(0.011);
      }
      expect(
        sample(after, 'cch_gateway_overhead_seconds_bucket', { ...overhead('none'), le: '+Inf' }),
      ).toBe(totals(after, 'none').count);
    } finally {
      await chat.close();
    }
  });

  it('should need no credentials when METRICS_TOKEN is not set', async () => {
    const { response } = await scrape(ctx.baseUrl);
    expect(response.status).toBe(200);
  });
});

describe('Observability: METRICS_TOKEN', () => {
  const token = `metrics-${randomUUID()}`;
  let ctx: TestApp;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin', METRICS_TOKEN: token });
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('should refuse scrapes without the token', async () => {
    expect((await scrape(ctx.baseUrl)).response.status).toBe(401);
    const wrong = await scrape(ctx.baseUrl, { authorization: 'Bearer nope' });
    expect(wrong.response.status).toBe(401);
  });

  it('should answer scrapes with the token', async () => {
    const { response, text } = await scrape(ctx.baseUrl, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(text).toContain('# TYPE cch_requests_total counter');
  });
});

describe('Observability: trace ids in request logs', () => {
  const ctx = loggedAppFor('info');
  const linesOf = (requestId: string | null) => ctx().linesOf(requestId);

  it('should log the trace id of a valid traceparent next to the request id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${ctx().baseUrl}/healthz`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-cch-request-id');
    const logged = linesOf(requestId);
    expect(logged.map((line) => line.msg)).toEqual(['request completed']);
    for (const line of logged) expect(line.traceId).toBe(traceId);
  });

  it('should log no trace id without a valid traceparent', async () => {
    const response = await fetch(`${ctx().baseUrl}/healthz`, {
      headers: { traceparent: '00-not-a-trace-01' },
    });
    const logged = linesOf(response.headers.get('x-cch-request-id'));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toHaveProperty('traceId');
  });
});
