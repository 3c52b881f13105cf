import { LimitsService } from '../../src/limits/limits.service';
import { cchMetrics } from '../../src/metrics/metrics-registry';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { PrivateRedis, waitFor } from '../support/redis-server';
import { seedUserAndKey } from '../support/seed';

const SESSION = 'c0ffee00-0000-4000-8000-000000000001';

function ask(baseUrl: string, key: string, maxTokens: number): Promise<Response> {
  return fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      'x-claude-code-session-id': SESSION,
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}

/** `cch_limits_admission_ahead_total{outcome="taken"}` of this process (the test app's). */
async function admissionsTaken(): Promise<number> {
  const { values } = await cchMetrics().admissionAhead.get();
  return values.find((value) => value.labels.outcome === 'taken')?.value ?? 0;
}

/** Whether `promise` settles within `ms`, without consuming its outcome. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);
}

// With both settings on, a warmed-up key's request needs nothing from Redis before its answer:
// shown by freezing the gateway's (private) Redis with SIGSTOP while the request runs.
describe('Redis off the request path (LIMITS_ADMIT_AHEAD + ROUTING_STATE_MAX_AGE_MS)', () => {
  let redis: PrivateRedis;
  let bed: GatewayBed;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    bed = await startGatewayBed(
      {},
      { REDIS_URL: redis.url, LIMITS_ADMIT_AHEAD: 'true', ROUTING_STATE_MAX_AGE_MS: '5000' },
    );
  });

  afterAll(async () => {
    redis.resume();
    await bed.close();
    await redis.stop();
  });

  it('should answer a warmed-up key with Redis frozen, and wait for Redis when it must admit', async () => {
    const { key, keyId } = await seedUserAndKey(
      bed.ctx.baseUrl,
      { providerGroup: bed.group },
      { limits: { rpm: 100, concurrentSessions: 10 } },
    );
    const takenBefore = await admissionsTaken();
    // Warm up: key cache, provider list, breaker states, session binding, admission ahead.
    for (let index = 0; index < 2; index += 1) {
      const warm = await ask(bed.ctx.baseUrl, key, 100);
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
    }
    await bed.ctx.app.get(LimitsService).ahead?.idle();

    redis.pause();
    let control: Promise<Response> | undefined;
    try {
      // Well inside the Redis command timeout (2 s), after which routing would fail open anyway.
      const answering = ask(bed.ctx.baseUrl, key, 100);
      expect(await settlesWithin(answering, 1_000)).toBe(true);
      const answered = await answering;
      expect(answered.status).toBe(200);
      expect(await answered.json()).toMatchObject({ type: 'message' });

      // A larger reservation than the one admitted ahead is admitted the ordinary way: it waits.
      control = ask(bed.ctx.baseUrl, key, 4_000);
      expect(await settlesWithin(control, 700)).toBe(false);
    } finally {
      redis.resume();
    }
    expect((await control).status).toBe(200);
    // The second warm-up request and the frozen one took admissions made ahead.
    expect((await admissionsTaken()) - takenBefore).toBe(2);

    // Four answers, four ledger rows, nothing lost while Redis was frozen.
    await waitFor(async () => {
      const rows = await bed.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM usage_records WHERE api_key_id = $1 AND status = 'success'`,
        [keyId],
      );
      return Number(rows.rows[0]?.n) === 4;
    }, 10_000);
  });
});
