import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { UsageRecorder } from '../../src/billing/usage-recorder.service';
import { RecordUsagePayload } from '../../src/jobs/job-payloads';
import { FakeAnthropic } from '../support/fake-anthropic';
import { PrivateRedis } from '../support/redis-server';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { usagePayload } from '../support/usage-payload';

const BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 20,
  messages: [{ role: 'user', content: 'hi' }],
});

async function countRecords(
  db: Client,
  keyId: string,
): Promise<{ rows: number; distinct: number }> {
  const result = await db.query<{ rows: string; distinct: string }>(
    'SELECT count(*) AS rows, count(DISTINCT request_id) AS distinct FROM usage_records WHERE api_key_id = $1',
    [keyId],
  );
  return { rows: Number(result.rows[0]?.rows), distinct: Number(result.rows[0]?.distinct) };
}

async function waitForCount(db: Client, keyId: string, expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let counts = await countRecords(db, keyId);
  while (counts.rows < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    counts = await countRecords(db, keyId);
  }
  return counts;
}

describe('Usage ledger: no loss, no duplicates', () => {
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
  });

  it('should record exactly 1,000 of 1,000 requests while Redis is killed and restarted mid-run', async () => {
    const redisDir = await mkdtemp(join(tmpdir(), 'cch-redis-'));
    const redis = await PrivateRedis.start({ persistDir: redisDir });
    const spoolDir = await mkdtemp(join(tmpdir(), 'cch-spool-'));
    const ctx = await startTestApp({ REDIS_URL: redis.url, USAGE_SPOOL_DIR: spoolDir });
    const upstream = await FakeAnthropic.start();
    try {
      const group = `g-${randomUUID().slice(0, 8)}`;
      await seedProvider(ctx.baseUrl, {
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
        groups: [group],
      });
      const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });

      const total = 1000;
      const concurrency = 25;
      let next = 0;
      const statuses: number[] = [];
      const send = async (): Promise<void> => {
        while (next < total) {
          next += 1;
          if (next === 300) await redis.stop();
          if (next === 650) await redis.restart();
          const response = await fetch(`${ctx.baseUrl}/v1/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': caller.key },
            body: BODY,
          });
          statuses.push(response.status);
          await response.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, send));
      expect(statuses).toHaveLength(total);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);

      // Jobs Redis had handed out when it died come back through the stalled-job check (5 s).
      const counts = await waitForCount(db, caller.keyId, total, 60_000);
      expect(counts).toEqual({ rows: total, distinct: total });
    } finally {
      await ctx.close();
      await upstream.close();
      await redis.stop();
      await rm(redisDir, { recursive: true, force: true });
      await rm(spoolDir, { recursive: true, force: true });
    }
  });

  it('should spool when Redis and Postgres are both down and replay once Postgres is back', async () => {
    const redis = await PrivateRedis.start();
    const pg = new URL(TEST_ENV.DATABASE_URL);
    const postgres = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    pg.port = String(postgres.port);
    const spoolDir = await mkdtemp(join(tmpdir(), 'cch-spool-'));
    const ctx = await startTestApp({
      REDIS_URL: redis.url,
      DATABASE_URL: pg.toString(),
      USAGE_SPOOL_DIR: spoolDir,
      CCH_ROLES: 'gateway',
    });
    try {
      const recorder = ctx.app.get(UsageRecorder);
      const payload = (requestId: string): RecordUsagePayload =>
        usagePayload({ requestId, clientName: 'sdk', sessionId: null, stream: false });

      await redis.stop();
      await postgres.cut();
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) {
        expect(await recorder.record(payload(id))).toBe('spool');
      }
      // The same record twice (e.g. a retried write) must still end up once.
      expect(await recorder.record(payload(ids[0] as string))).toBe('spool');
      const spooled = await readFile(join(spoolDir, 'usage-spool.jsonl'), 'utf8');
      expect(spooled.trim().split('\n')).toHaveLength(4);

      await postgres.open();
      await recorder.replaySpool();
      const rows = await db.query(
        'SELECT request_id FROM usage_records WHERE request_id = ANY($1)',
        [ids],
      );
      expect(rows.rows.map((row: { request_id: string }) => row.request_id).sort()).toEqual(
        [...ids].sort(),
      );
      await expect(readFile(join(spoolDir, 'usage-spool.jsonl'), 'utf8')).rejects.toThrow();
    } finally {
      await ctx.close();
      await redis.stop();
      await postgres.cut();
      await rm(spoolDir, { recursive: true, force: true });
    }
  });
});
