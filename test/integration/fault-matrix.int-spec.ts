import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { request as httpRequest } from 'node:http';
import { FakeAnthropic, FakeBehaviour } from '../support/fake-anthropic';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { PrivatePostgres } from '../support/postgres-server';
import { classifyReply, ClientProtocol, Outcome } from '../support/protocol-check';
import { PrivateRedis } from '../support/redis-server';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/*
 * The fault matrix (README "Fault tolerance"): for each fault, N requests, then the ledger must
 * hold exactly one row per request id the clients saw, and every client must have received a
 * complete answer or a well-formed error in its own protocol. Cells proven elsewhere:
 *   - Redis killed and restarted under load (1,000 requests): usage-ledger.int-spec.ts
 *   - Redis and Postgres both unreachable → spool → replay: usage-ledger.int-spec.ts (and the
 *     Postgres cell below, under real load)
 *   - garbage SSE from each provider protocol: garbage-sse.int-spec.ts
 *   - failover details (5xx, 429, drops, in-band errors), breaker: gateway-failover.int-spec.ts
 *   - SIGTERM while streams are open: shutdown.int-spec.ts
 */

const MODEL = 'claude-sonnet-4-6';

interface Sent {
  protocol: ClientProtocol;
  stream: boolean;
  status: number;
  requestId: string | null;
  outcome: Outcome;
  phase: string;
}

/** One request in the given client protocol, checked for protocol correctness. */
async function send(
  baseUrl: string,
  key: string,
  protocol: 'anthropic' | 'openai-chat',
  stream: boolean,
  phase: () => string,
): Promise<Sent> {
  const started = phase();
  const anthropic = protocol === 'anthropic';
  const response = await fetch(`${baseUrl}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: anthropic
      ? { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }
      : { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 30,
      stream,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
  const text = await response.text();
  return {
    protocol,
    stream,
    status: response.status,
    requestId: response.headers.get('x-cch-request-id'),
    outcome: classifyReply(protocol, response.status, response.headers.get('content-type'), text),
    phase: started,
  };
}

async function ledgerIds(db: Client, keyId: string): Promise<string[]> {
  const result = await db.query<{ request_id: string }>(
    'SELECT request_id FROM usage_records WHERE api_key_id = $1 ORDER BY request_id',
    [keyId],
  );
  return result.rows.map((row) => row.request_id);
}

/** Polls until the ledger holds at least `expected` rows for the key, then returns its ids. */
async function settledLedgerIds(
  db: Client,
  keyId: string,
  expected: number,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let ids = await ledgerIds(db, keyId).catch(() => []);
  while (ids.length < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    ids = await ledgerIds(db, keyId).catch(() => []);
  }
  return ids;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a streaming request and walks away after the first bytes; returns the request id. */
function disconnectAfterFirstBytes(baseUrl: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/v1/messages`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': key,
          'anthropic-version': '2023-06-01',
        },
      },
      (response) => {
        response.once('data', () => {
          request.destroy();
          resolve(String(response.headers['x-cch-request-id']));
        });
      },
    );
    request.on('error', () => undefined);
    request.end(
      JSON.stringify({
        model: MODEL,
        max_tokens: 30,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    setTimeout(() => reject(new Error('no response within 5 s')), 5_000);
  });
}

describe('Fault matrix: zero lost or duplicated usage records, a clean answer or error', () => {
  it('no provider at all: a 503 in the envelope and still one row, with its class', async () => {
    const ctx = await startTestApp();
    const db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    try {
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: `empty-${randomUUID()}` });
      const sent = await send(ctx.baseUrl, caller.key, 'openai-chat', true, () => 'none');
      expect(sent).toMatchObject({ status: 503, outcome: 'error' });
      const rows = await settledLedgerIds(db, caller.keyId, 1, 15_000);
      expect(rows).toEqual([sent.requestId]);
      const row = await db.query('SELECT * FROM usage_records WHERE request_id = $1', [
        sent.requestId,
      ]);
      expect(row.rows[0]).toMatchObject({
        status: 'error',
        error_class: 'no_provider',
        http_status: 503,
      });
    } finally {
      await db.end();
      await ctx.close();
    }
  });

  describe('upstream and client faults, N requests each', () => {
    const N = 16;
    let bed: GatewayBed;

    beforeAll(async () => {
      // Each cell fails every request on purpose: the breaker would otherwise carry one cell's
      // failures into the next (its own behaviour is proven in gateway-failover.int-spec.ts).
      bed = await startGatewayBed(
        { timeouts: { connectMs: 1000, firstByteMs: 800, idleMs: 800 } },
        { BREAKER_MIN_REQUESTS: '100000' },
      );
    });

    afterAll(async () => {
      await bed.close();
    });

    /** N requests, alternating protocols and streaming, all under one fresh key. */
    async function drive(behaviour: FakeBehaviour): Promise<{ sent: Sent[]; keyId: string }> {
      bed.upstream.always(behaviour);
      const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
      const sent = await Promise.all(
        Array.from({ length: N }, (_, index) =>
          send(
            bed.ctx.baseUrl,
            caller.key,
            index % 2 === 0 ? 'anthropic' : 'openai-chat',
            index % 4 < 2,
            () => 'fault',
          ),
        ),
      );
      return { sent, keyId: caller.keyId };
    }

    async function expectOneRowEach(sent: { requestId: string | null }[], keyId: string) {
      const seen = sent.map((item) => item.requestId).sort();
      expect(new Set(seen).size).toBe(N);
      const recorded = await settledLedgerIds(bed.db, keyId, N, 15_000);
      expect(recorded).toEqual(seen);
    }

    it('upstream hangs: every client gets a 504 in its envelope, every request one error row', async () => {
      const { sent, keyId } = await drive({ kind: 'hang' });
      expect(sent.map((item) => [item.status, item.outcome])).toEqual(
        Array.from({ length: N }, () => [504, 'error']),
      );
      await expectOneRowEach(sent, keyId);
      const classes = await bed.db.query(
        'SELECT DISTINCT status, error_class FROM usage_records WHERE api_key_id = $1',
        [keyId],
      );
      expect(classes.rows).toEqual([{ status: 'error', error_class: 'timeout' }]);
    });

    it('upstream resets mid-stream: streams end with an in-band error, one error row each', async () => {
      const { sent, keyId } = await drive({ kind: 'stream-reset-after-content' });
      for (const item of sent) {
        // A non-streaming request never showed a byte: it gets a clean 5xx instead.
        expect(item.outcome).toBe(item.stream ? 'in-band-error' : 'error');
      }
      await expectOneRowEach(sent, keyId);
      const classes = await bed.db.query(
        'SELECT DISTINCT status FROM usage_records WHERE api_key_id = $1',
        [keyId],
      );
      expect(classes.rows).toEqual([{ status: 'error' }]);
    });

    it('client disconnects mid-stream: the upstream is aborted, one aborted row each', async () => {
      bed.upstream.reset();
      bed.upstream.always({ kind: 'slow-stream', chunks: 100, delayMs: 20 });
      const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
      const ids = await Promise.all(
        Array.from({ length: N }, () => disconnectAfterFirstBytes(bed.ctx.baseUrl, caller.key)),
      );
      await expectOneRowEach(
        ids.map((requestId) => ({ requestId })),
        caller.keyId,
      );
      const classes = await bed.db.query(
        'SELECT DISTINCT status, error_class FROM usage_records WHERE api_key_id = $1',
        [caller.keyId],
      );
      expect(classes.rows).toEqual([{ status: 'aborted', error_class: 'client_aborted' }]);
      expect(bed.upstream.abortedRequests).toBe(N);
    });
  });

  it('should serve and record every request while Postgres (then Redis too) is killed and restarted under load', async () => {
    const postgres = await PrivatePostgres.start();
    const redisDir = await mkdtemp(join(tmpdir(), 'cch-redis-'));
    const redis = await PrivateRedis.start({ persistDir: redisDir });
    const spoolDir = await mkdtemp(join(tmpdir(), 'cch-spool-'));
    const databaseUrl = postgres.urlFor('cch');
    const ctx = await startTestApp({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      USAGE_SPOOL_DIR: spoolDir,
    });
    const upstream = await FakeAnthropic.start();
    const db = new Client({ connectionString: databaseUrl });
    try {
      const group = `g-${randomUUID().slice(0, 8)}`;
      await seedProvider(ctx.baseUrl, {
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
        groups: [group],
      });
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      const cold = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      // Keeps each request in flight a little, so the outages hit requests mid-way.
      upstream.always({ kind: 'ok', delayMs: 40 });

      let phase = 'healthy';
      let stopped = false;
      const sent: Sent[] = [];
      const kinds = [
        ['anthropic', false],
        ['anthropic', true],
        ['openai-chat', false],
        ['openai-chat', true],
      ] as const;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!stopped) {
          const [protocol, stream] = kinds[next % kinds.length];
          next += 1;
          sent.push(await send(ctx.baseUrl, caller.key, protocol, stream, () => phase));
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, worker));

      await sleep(1_000);
      await postgres.kill();
      phase = 'postgres down';
      // A key nobody used yet cannot be checked while Postgres is down: a clean 503, not a 401.
      const coldTry = await send(ctx.baseUrl, cold.key, 'anthropic', false, () => phase);
      await sleep(1_000);
      await redis.stop();
      phase = 'postgres and redis down';
      await sleep(1_500);
      await redis.restart();
      phase = 'postgres down';
      await sleep(1_000);
      await postgres.restart();
      phase = 'recovered';
      await sleep(1_000);
      stopped = true;
      await load;

      // Every client got a complete answer: keys already cached keep authenticating, providers
      // are cached, and usage takes the queue → direct → spool path without blocking the answer.
      const byPhase = new Map<string, number>();
      for (const item of sent) byPhase.set(item.phase, (byPhase.get(item.phase) ?? 0) + 1);
      expect(sent.length).toBeGreaterThan(200);
      // Some of the load really ran during each outage (about 120 and 45 requests on a quiet machine).
      expect(byPhase.get('postgres down')).toBeGreaterThan(5);
      expect(byPhase.get('postgres and redis down')).toBeGreaterThan(5);
      expect(sent.filter((item) => item.outcome !== 'answer')).toEqual([]);
      expect(coldTry).toMatchObject({ outcome: 'error', status: 503 });

      // After recovery (worker retries, spool replay at most 15 s later) exactly one row per id.
      const seen = sent.map((item) => item.requestId).sort();
      expect(new Set(seen).size).toBe(seen.length);
      await db.connect();
      const recorded = await settledLedgerIds(db, caller.keyId, seen.length, 40_000);
      expect(recorded).toHaveLength(seen.length);
      expect(recorded).toEqual(seen);
    } finally {
      await db.end().catch(() => undefined);
      await ctx.close();
      await upstream.close();
      await redis.stop();
      await postgres.destroy();
      await rm(redisDir, { recursive: true, force: true });
      await rm(spoolDir, { recursive: true, force: true });
    }
  });
});
