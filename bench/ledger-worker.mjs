// `npm run bench:ledger`: what writing the ledger costs, per usage record, when nothing else
// runs. Enqueues BENCH_LEDGER_JOBS batch jobs of BENCH_LEDGER_RECORDS records each (as gateways
// do) into a paused queue on a private redis-server, starts CCH with only the worker role
// (from dist/: `npm run build` first), resumes the queue and measures the CPU the worker
// process, Redis and the Postgres backends spend until it is drained. Then checks that every
// record is a ledger row. At c=64 the same work costs two to three times as much, with every
// core busy (see bench/README.md and the README's "What the ledger costs at c=64").
//
// BENCH_LEDGER_PREFILL=N first fills the ledger with N older rows, as a ledger in service holds
// (then VACUUM ANALYZE and a CHECKPOINT, as after a quiet period). Request ids are minted as
// CCH mints them (time-ordered UUIDv7 where the build has it); BENCH_LEDGER_IDS=random makes
// them random version 4 UUIDs, as before, for comparison. The WAL written per record is printed
// too.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';
import { backendsCpu, backendsCpuSince, processCpuMs } from './process-cpu.mjs';
import { startPrivateRedis } from './private-redis.mjs';
import { lockBenchOrExit } from './bench-lock.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CCH_DIR = process.env.BENCH_CCH_DIR ? resolve(process.env.BENCH_CCH_DIR) : ROOT;
const JOBS = Number(process.env.BENCH_LEDGER_JOBS ?? 400);
const RECORDS = Number(process.env.BENCH_LEDGER_RECORDS ?? 45);
const PREFILL = Number(process.env.BENCH_LEDGER_PREFILL ?? 0);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432';
const DATABASE = process.env.BENCH_LEDGER_DATABASE ?? 'cch_bench_ledger';
const require = createRequire(join(CCH_DIR, 'package.json'));
const { Queue } = require('bullmq');
const Redis = require('ioredis');
const { Client } = require('pg');
const { jobOptions } = require(join(CCH_DIR, 'dist/src/jobs/job-options.js'));
const { JobName, QueueName } = require(join(CCH_DIR, 'dist/src/jobs/queue-names.js'));
/**
 * Jobs as the build's gateways enqueue them: records as COPY text on the usage-ledger queue where
 * the build has it (BENCH_LEDGER_JOBS_FORMAT=objects: the records as objects, as before).
 */
const COPY_JOBS =
  QueueName.UsageLedger !== undefined && process.env.BENCH_LEDGER_JOBS_FORMAT !== 'objects';
const { ledgerCopyPayload } = require(join(CCH_DIR, 'dist/src/billing/ledger-copy.js'));
/** CCH's request ids: time-ordered in builds that have them, random UUIDs before. */
const timeOrderedIds =
  process.env.BENCH_LEDGER_IDS !== 'random' &&
  existsSync(join(CCH_DIR, 'dist/src/common/ids/time-ordered-uuid.js'));
const requestId = timeOrderedIds
  ? require(join(CCH_DIR, 'dist/src/common/ids/time-ordered-uuid.js')).timeOrderedUuid
  : randomUUID;

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

/** A finished request's record as the gateway hands it on: one user, key and provider. */
function usageRecord(user, key, provider) {
  return {
    requestId: requestId(),
    userId: user,
    apiKeyId: key,
    providerId: provider,
    clientProtocol: 'anthropic',
    clientName: 'claude-code',
    providerProtocol: 'anthropic',
    requestedModel: 'claude-sonnet-4-5',
    upstreamModel: 'claude-sonnet-4-5',
    sessionId: randomUUID(),
    stream: false,
    inputTokens: 1200,
    outputTokens: 340,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 9000,
    reasoningTokens: 0,
    costUsd: '0.0123450000',
    priceVersion: 'bench',
    status: 'success',
    httpStatus: 200,
    stopReason: 'end_turn',
    errorClass: null,
    attempts: 1,
    attemptLog: null,
    durationMs: 3,
    ttfbMs: null,
    createdAt: new Date().toISOString(),
  };
}

async function resetDatabase(drop) {
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    if (!drop) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

/**
 * Fills the ledger with `count` rows of one user, 10 ms apart up to now, their request ids in
 * the form CCH mints (a UUIDv7 is the time in hex, then random digits), then vacuums and
 * checkpoints so that the measured writes start as after a quiet period in service.
 */
async function prefillLedger(count) {
  const client = new Client({ connectionString: `${PG_URL}/${DATABASE}` });
  await client.connect();
  try {
    const id = timeOrderedIds
      ? `substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(gen_random_uuid()::text, 16)`
      : 'gen_random_uuid()::text';
    await client.query(
      `INSERT INTO usage_records (request_id, user_id, api_key_id, provider_id, client_protocol,
         client_name, requested_model, status, created_at, cost_usd, input_tokens, output_tokens)
       SELECT ${id}, u, u, u, 'anthropic', 'claude-code', 'claude-sonnet-4-5', 'success', at,
         0.0123, 1200, 340
       FROM (SELECT gen_random_uuid() AS u) AS who,
         LATERAL (SELECT now() - ($1::int - i) * interval '10 ms' AS at
                  FROM generate_series(1, $1::int) AS i) AS g,
         LATERAL (SELECT lpad(to_hex((extract(epoch FROM g.at) * 1000)::bigint), 12, '0') AS h) AS t`,
      [count],
    );
    await client.query('VACUUM ANALYZE usage_records');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

async function waitReady(url, child) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`CCH exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('CCH (worker role) did not become ready');
}

lockBenchOrExit('npm run bench:ledger');

const { child: redisServer, redis, port: redisPort } = await startPrivateRedis(Redis);
const scratch = mkdtempSync(join(tmpdir(), 'cch-ledger-bench-'));
let cch = null;
let queue = null;
let db = null;
try {
  await resetDatabase(false);
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `${PG_URL}/${DATABASE}`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    ADMIN_TOKEN: `bench-admin-${randomBytes(24).toString('hex')}`,
    MASTER_KEY: randomBytes(32).toString('base64'),
    CCH_ROLES: 'worker',
    GATEWAY_WORKERS: '1',
    LOG_LEVEL: 'warn',
    HEALTH_CHECK_INTERVAL_SECONDS: '3600',
    USAGE_SPOOL_DIR: join(scratch, 'spool'),
  };
  const migrate = spawnSync(process.execPath, ['dist/src/database/migrate.js'], {
    cwd: CCH_DIR,
    env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);

  if (PREFILL > 0) {
    const filling = performance.now();
    await prefillLedger(PREFILL);
    console.log(
      `ledger prefilled with ${PREFILL} rows in ${(performance.now() - filling).toFixed(0)} ms`,
    );
  }

  queue = new Queue(COPY_JOBS ? QueueName.UsageLedger : QueueName.UsageRecords, {
    prefix: 'cch',
    connection: { host: '127.0.0.1', port: redisPort },
  });
  await queue.pause();
  const [user, key, provider] = [randomUUID(), randomUUID(), randomUUID()];
  for (let job = 0; job < JOBS; job += 1) {
    const records = Array.from({ length: RECORDS }, () => usageRecord(user, key, provider));
    const first = records[0].requestId;
    if (COPY_JOBS) {
      const data = ledgerCopyPayload(records);
      await queue.add(
        JobName.RecordUsageCopy,
        data,
        jobOptions(JobName.RecordUsageCopy, `copy-${first}`),
      );
    } else {
      await queue.add(
        JobName.RecordUsageBatch,
        { records },
        jobOptions(JobName.RecordUsageBatch, `batch-${first}`),
      );
    }
  }

  // Extra node flags for the worker, comma-separated, as in `npm run bench` (e.g. --cpu-prof).
  const nodeArgs = (process.env.BENCH_CCH_NODE_ARGS ?? '').split(',').filter(Boolean);
  cch = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    cwd: CCH_DIR,
    env,
    stdio: 'inherit',
  });
  await waitReady(`http://127.0.0.1:${port}`, cch);
  db = new Client({ connectionString: `${PG_URL}/${DATABASE}` });
  await db.connect();
  const [cch0, redis0] = [processCpuMs(cch.pid), processCpuMs(redisServer.pid)];
  const backends0 = await backendsCpu(db, DATABASE);
  const wal0 = (await db.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn;
  const started = performance.now();
  await queue.resume();
  while ((await queue.getWaitingCount()) + (await queue.getActiveCount()) > 0) await sleep(20);
  const elapsedMs = performance.now() - started;
  // Backends that connected meanwhile (the worker's pool grows on demand) count from zero.
  const postgresMs = backendsCpuSince(backends0, await backendsCpu(db, DATABASE));
  const [cchMs, redisMs] = [processCpuMs(cch.pid) - cch0, processCpuMs(redisServer.pid) - redis0];
  const walBytes = Number(
    (await db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [wal0])).rows[0]
      .bytes,
  );
  // The jobs' rows only: the prefilled ones belong to another user.
  const rows = Number(
    (await db.query('SELECT count(*) AS n FROM usage_records WHERE user_id = $1', [user])).rows[0]
      .n,
  );
  const failed = await queue.getFailedCount();
  const records = JOBS * RECORDS;
  const perRecord = (ms) => ((ms * 1000) / records).toFixed(1);
  // The WAL is the whole cluster's, so anything else writing to this Postgres meanwhile counts.
  console.log(
    `${COPY_JOBS ? 'COPY-text' : 'object'} jobs, ` +
      `${timeOrderedIds ? 'time-ordered' : 'random'} request ids, ` +
      `${PREFILL > 0 ? `ledger prefilled with ${PREFILL} rows` : 'empty ledger'}: ` +
      `${JOBS} jobs × ${RECORDS} records drained in ${elapsedMs.toFixed(0)} ms; CPU per record: ` +
      `worker ${perRecord(cchMs)} µs (${(cchMs / JOBS).toFixed(2)} ms per job), ` +
      `Redis ${perRecord(redisMs)} µs, Postgres backends ${perRecord(postgresMs)} µs; ` +
      `WAL ${(walBytes / records).toFixed(0)} bytes per record; ` +
      `ledger rows ${rows} of ${records}, failed jobs ${failed}`,
  );
  if (rows !== records || failed > 0) process.exitCode = 1;
} finally {
  if (cch && cch.exitCode === null) {
    cch.kill('SIGTERM');
    await new Promise((done) => cch.once('exit', done));
  }
  await queue?.close();
  await db?.end();
  await redis.quit().catch(() => undefined);
  redisServer.kill('SIGKILL');
  await resetDatabase(true);
  rmSync(scratch, { recursive: true, force: true });
}
