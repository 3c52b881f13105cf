// `npm run bench`: a bounded benchmark of CCH against a fast fake upstream, next to the same
// load sent directly to the upstream and through a minimal pass-through proxy (the "floor").
// Prints one markdown table and writes bench-results/<timestamp>.json. See bench/README.md.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { largeAnthropic, MODEL, smallAnthropic, smallChat } from './bodies.mjs';
import { freePort } from './free-port.mjs';
import { backendsCpu, backendsCpuSince, processCpuMs } from './process-cpu.mjs';
import { lockBenchOrExit } from './bench-lock.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';

// ---------------------------------------------------------------------------------- settings
const list = (value, fallback) =>
  (value ?? fallback)
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
const num = (value, fallback) => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`not a number: ${value}`);
  return parsed;
};

const SETTINGS = {
  quick: QUICK,
  seconds: num(env.BENCH_SECONDS, QUICK ? 1 : 8),
  // Every (lane, concurrency) measured this many times, the targets one after another each
  // round; the verdicts take each round's pair (CCH against direct or the floor of the same
  // round) and judge the median. On a noisy VM one pair's c=64 share moved from 32 to 64 %.
  rounds: num(env.BENCH_ROUNDS, 1),
  warmupSeconds: num(env.BENCH_WARMUP_SECONDS, QUICK ? 0.5 : 1),
  concurrency: list(env.BENCH_CONCURRENCY, '1,16,64').map(Number),
  // Streaming lanes also run at 256 concurrent streams (stall check) unless told otherwise.
  streamConcurrency: list(
    env.BENCH_STREAM_CONCURRENCY,
    [...new Set([...list(env.BENCH_CONCURRENCY, '1,16,64'), '256'])].join(','),
  ).map(Number),
  // Before any measured run, every lane goes through CCH for this long (JIT, pools, caches).
  // A fresh CCH keeps V8's optimizing compiler busy for its first minute or two of load; 3 s
  // left the first c=64 run of a lane paying for it (CPU per request 329 / 418 µs against 285 /
  // 316 after 45 s of warm-up, in alternating runs). The floor's few lines are warm in a second.
  cchWarmupSeconds: num(env.BENCH_CCH_WARMUP_SECONDS, QUICK ? 1 : 20),
  // Soak mode: only c=16 small-body load for this long, CCH's RSS sampled every 10 s.
  soakSeconds: num(env.BENCH_SOAK_SECONDS, 0),
  soakConcurrency: num(env.BENCH_SOAK_CONCURRENCY, 16),
  lanes: list(env.BENCH_LANES, 'small,stream,large,translate'),
  // Portkey's open-source gateway (the Node gateway of the public benchmarks), when installed:
  // the path of its build/start-server.js (see bench/README.md).
  portkey: env.BENCH_PORTKEY ? resolve(env.BENCH_PORTKEY) : null,
  targets: list(
    env.BENCH_TARGETS,
    env.BENCH_PORTKEY ? 'direct,floor,cch,portkey' : 'direct,floor,cch',
  ),
  upstreamLatencyMs: num(env.BENCH_UPSTREAM_LATENCY_MS, 0),
  // Limits in the steady state of a busy scope (see fillRollingWindows); 0 leaves keys fresh.
  steadyLimits: env.BENCH_STEADY_LIMITS !== '0',
  streamChunks: num(env.BENCH_STREAM_CHUNKS, 20),
  streamChunkDelayMs: num(env.BENCH_STREAM_DELAY_MS, 5),
  stallMs: num(env.BENCH_STALL_MS, 2000),
  largeBodyBytes: num(env.BENCH_LARGE_BYTES, 400 * 1024),
  pgUrl: env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432',
  database: env.BENCH_DATABASE ?? 'cch_bench',
  redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/2',
  keepDb: env.BENCH_KEEP_DB === '1',
  skipBuild: env.BENCH_SKIP_BUILD === '1',
  // Another checkout (with its own dist/ built and config/) to measure instead of this one.
  cchDir: env.BENCH_CCH_DIR ? resolve(env.BENCH_CCH_DIR) : ROOT,
  // The Node that runs CCH (default: the bench's own): compares Node versions with everything
  // else (floor, fake upstream, load generator) unchanged.
  cchNode: env.BENCH_CCH_NODE ? resolve(env.BENCH_CCH_NODE) : process.execPath,
  // A Redis PING every 2 ms from a process of its own during every run (bench/redis-probe.mjs).
  redisProbe: env.BENCH_REDIS_PROBE === '1',
};

const LANE_NAMES = ['small', 'stream', 'large', 'translate', 'translate-stream'];
for (const lane of SETTINGS.lanes) {
  if (!LANE_NAMES.includes(lane))
    throw new Error(`unknown lane ${lane} (${LANE_NAMES.join(', ')})`);
}
for (const target of SETTINGS.targets) {
  if (!['direct', 'floor', 'cch', 'portkey'].includes(target))
    throw new Error(`unknown target ${target}`);
  if (target === 'portkey' && !SETTINGS.portkey)
    throw new Error('target portkey needs BENCH_PORTKEY (the path of its build/start-server.js)');
}
/**
 * Portkey runs the non-streaming Anthropic lanes. It has no Anthropic-client → Chat-provider
 * lane, and its streams from a custom host fail here (1.15.2 on Node 20: HTTP 500, "TypeError:
 * immutable" appending to the upstream response's headers).
 */
const PORTKEY_LANES = new Set(['small', 'large']);
const laneTargets = (lane) =>
  SETTINGS.targets.filter((target) => target !== 'portkey' || PORTKEY_LANES.has(lane));
if (!Number.isInteger(SETTINGS.rounds) || SETTINGS.rounds < 1) {
  throw new Error('BENCH_ROUNDS must be a positive integer');
}
if (
  [...SETTINGS.concurrency, ...SETTINGS.streamConcurrency].some(
    (c) => !Number.isInteger(c) || c < 1,
  )
) {
  throw new Error('BENCH_CONCURRENCY and BENCH_STREAM_CONCURRENCY must be positive integers');
}
const STREAM_LANES = new Set(['stream', 'translate-stream']);
const concurrencyOf = (lane) =>
  STREAM_LANES.has(lane) ? SETTINGS.streamConcurrency : SETTINGS.concurrency;
if (!SETTINGS.database.includes('bench')) {
  throw new Error(`refusing database "${SETTINGS.database}": its name must contain "bench"`);
}
const redisDb = Number(new URL(SETTINGS.redisUrl).pathname.slice(1) || '0');
if (!Number.isInteger(redisDb) || redisDb === 0) {
  throw new Error('BENCH_REDIS_URL must name a Redis database other than 0 (it is flushed)');
}

const plannedSeconds =
  SETTINGS.soakSeconds > 0
    ? SETTINGS.soakSeconds + 20
    : SETTINGS.lanes.reduce(
        (sum, lane) =>
          sum +
          SETTINGS.targets.length *
            (concurrencyOf(lane).length * SETTINGS.seconds * SETTINGS.rounds +
              SETTINGS.warmupSeconds) +
          SETTINGS.cchWarmupSeconds,
        0,
      );
// Hard bound of the whole run: measurement plan + boot, sanity checks and teardown (+ build).
const HARD_LIMIT_MS = (plannedSeconds + num(env.BENCH_OVERHEAD_SECONDS, 120)) * 1000;

// --------------------------------------------------------------------------- child processes
const children = new Set();

function spawnChild(name, args, options = {}) {
  const { nodeBinary = process.execPath, ...spawnOptions } = options;
  const child = spawn(nodeBinary, args, {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...spawnOptions,
    env: { ...(spawnOptions.env ?? env), BENCH_CHILD: '1' },
  });
  const tail = [];
  // BENCH_CCH_LOG: everything CCH prints (V8's --trace-gc lines, say) also goes to this file.
  const logFile = name === 'CCH' && env.BENCH_CCH_LOG ? createWriteStream(env.BENCH_CCH_LOG) : null;
  const keep = (chunk) => {
    logFile?.write(chunk);
    tail.push(chunk.toString());
    while (tail.length > 200) tail.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.stdin.on('error', () => undefined);
  child.benchName = name;
  child.output = () => tail.join('');
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** The version of the Node that runs CCH (BENCH_CCH_NODE). */
function cchNodeVersion() {
  if (SETTINGS.cchNode === process.execPath) return process.version;
  return spawnSync(SETTINGS.cchNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** The port a child prints as `LISTENING <port>` once it serves. */
async function waitForListening(child, timeoutMs = 15_000) {
  return Number((await waitForLine(child, /LISTENING (\d+)/, timeoutMs))[1]);
}

/** The Redis probe child (bench/redis-probe.mjs), started once; null when not asked for. */
async function startRedisProbe() {
  if (!SETTINGS.redisProbe) return null;
  const child = spawnChild('redis probe', ['bench/redis-probe.mjs'], {
    env: { ...env, BENCH_REDIS_URL: SETTINGS.redisUrl },
  });
  await waitForLine(child, /^READY$/m);
  return {
    start: () => child.stdin.write('start\n'),
    /** The round trips since `start`: { n, p50, p99, p999, max } in ms. */
    stop: async () => {
      const reply = waitForLine(child, /^PROBE (.+)$/m);
      child.stdin.write('stop\n');
      return JSON.parse((await reply)[1]);
    },
  };
}

/** The first match of `pattern` in a child's output from now on; fails if it exits first. */
function waitForLine(child, pattern, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => fail(new Error(`${child.benchName}: no ${pattern} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      buffer += chunk.toString();
      const match = pattern.exec(buffer);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code) =>
      fail(new Error(`${child.benchName} exited (${code}): ${child.output()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error) => {
      cleanup();
      reject(error);
    };
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

async function stopChildren() {
  const waits = [...children].map(
    (child) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
        child.stdin.end();
      }),
  );
  await Promise.all(waits);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

// ------------------------------------------------------------------------------- preparation
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  if (SETTINGS.cchDir !== ROOT) {
    statSync(join(SETTINGS.cchDir, 'dist', 'src', 'main.js'));
    return false;
  }
  const main = join(ROOT, 'dist', 'src', 'main.js');
  let stale = true;
  try {
    const built = statSync(main).mtimeMs;
    stale = newestMtime(join(ROOT, 'src')) > built || newestMtime(join(ROOT, 'migrations')) > built;
  } catch {
    stale = true;
  }
  if (!stale) return false;
  if (SETTINGS.skipBuild) {
    log('dist/ looks stale, BENCH_SKIP_BUILD=1: using it anyway');
    return false;
  }
  log('building (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
  return true;
}

async function prepareDatabase(databaseUrl) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: `${SETTINGS.pgUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${SETTINGS.database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${SETTINGS.database}"`);
  } finally {
    await admin.end();
  }
  const migrate = spawnSync(process.execPath, ['dist/src/database/migrate.js'], {
    cwd: SETTINGS.cchDir,
    env: { ...env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) {
    throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);
  }
}

/**
 * A connection to the bench's database that reads its backends' CPU: what CCH's ledger writes
 * cost Postgres. Closed before the database is dropped.
 */
async function openPostgresStats(databaseUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // the database dropped under it at exit
  await client.connect();
  return client;
}

async function dropDatabase() {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: `${SETTINGS.pgUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${SETTINGS.database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Runs `use` on a connection to the bench's Redis database, closed afterwards. */
async function withBenchRedis(use) {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(SETTINGS.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

const flushRedis = () => withBenchRedis((redis) => redis.flushdb());

/**
 * What the usage queue holds in the bench's Redis database once the runs are over: its keys and
 * their bytes (MEMORY USAGE, sampled exactly). Completed jobs that are kept show up here.
 */
async function usageQueueFootprint() {
  return withBenchRedis(async (redis) => {
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    let jobs = 0;
    do {
      // Both usage queues: usage-ledger (COPY text) and usage-records (objects, older releases).
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'cch:usage-*', 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys += 1;
        // A job's hash is `<queue>:<id>`; its lock and logs have a suffix after the id.
        if (/:(\d+|batch-[^:]+|copy-[^:]+)$/.test(key)) jobs += 1;
        bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
      }
    } while (cursor !== '0');
    return { keys, jobs, megabytes: Math.round((bytes / 2 ** 20) * 10) / 10 };
  });
}

/**
 * The pid of the bench's Redis server when it runs on this machine (its `/proc` entry is
 * readable), else null: its CPU time per CCH request is reported beside CCH's own. It counts
 * whatever else uses that server meanwhile.
 */
async function localRedisPid() {
  const info = await withBenchRedis((redis) => redis.info('server'));
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : null;
}

/**
 * A scope in steady use holds spend in all 60 five-minute buckets of its rolling 5 h window; a
 * bench of a few minutes on fresh keys would hold two or three. Writes the missing buckets
 * into each scope whose limits CCH has already loaded (its baseline marker is there; the
 * marker-less ones would be reseeded from the ledger), as CCH stores them: a hash of bucket
 * index → micro-dollars under `cch:lim:<kind>:<id>:roll`.
 */
function fillRollingWindows(scopes) {
  const bucketMs = 5 * 60_000;
  const current = Math.floor(Date.now() / bucketMs);
  return withBenchRedis(async (redis) => {
    let filled = 0;
    for (const [kind, id] of scopes) {
      const prefix = `cch:lim:${kind}:${id}:`;
      if ((await redis.exists(`${prefix}base`)) !== 1) continue;
      const pipeline = redis.pipeline();
      for (let bucket = current - 59; bucket < current; bucket += 1) {
        pipeline.hsetnx(`${prefix}roll`, String(bucket), '1000');
      }
      // Drops the stored sum and oldest bucket, which no longer match: the next admission
      // recounts them from the buckets, as after a hash written by an earlier release.
      pipeline.hdel(`${prefix}roll`, '-1', '-2').pexpire(`${prefix}roll`, 6 * 3_600_000);
      await pipeline.exec();
      filled += 1;
    }
    return filled;
  });
}

async function admin(base, token, method, path, body) {
  const response = await request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) {
    throw new Error(`admin ${method} ${path} → ${response.statusCode}: ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function waitReady(base, child, timeoutMs = 60_000, path = '/readyz') {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null)
      throw new Error(`${child.benchName} exited (${child.exitCode}):\n${child.output()}`);
    try {
      const response = await request(`${base}${path}`);
      await response.body.dump();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${child.benchName} not ready after ${timeoutMs} ms:\n${child.output()}`);
}

// ----------------------------------------------------------------------------- measurement
function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

function summarise(samples) {
  const sorted = Float64Array.from(samples).sort();
  const mean = sorted.length ? sorted.reduce((sum, v) => sum + v, 0) / sorted.length : null;
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
    mean,
  };
}

/**
 * The `x-cch-overhead-ms` of an answer (CCH's own time before the head went out, upstream waits
 * excluded) into `into`; direct and floor answers carry none.
 */
function keepOverhead(into, value) {
  const ms = Number(value);
  if (value !== undefined && Number.isFinite(ms)) into.push(ms);
}

/** Closed-loop load with autocannon; latencies kept per response (autocannon's own are whole ms). */
function runAutocannon({ url, headers, body, connections, seconds }) {
  return new Promise((resolve, reject) => {
    const samples = [];
    const overheads = [];
    let non2xx = 0;
    /** status → count of the non-2xx answers, so a failed run says how it failed. */
    const failedStatuses = {};
    const started = performance.now();
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 30,
        // Set for every target alike, so the load generator does the same work for each.
        requests: [
          {
            method: 'POST',
            headers,
            body,
            onResponse: (_status, _body, _context, answer) =>
              keepOverhead(overheads, answer['x-cch-overhead-ms']),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsed = (performance.now() - started) / 1000;
        resolve({
          requests: samples.length,
          rps: samples.length / elapsed,
          latencyMs: summarise(samples),
          ...(overheads.length > 0 ? { overheadMs: summarise(overheads) } : {}),
          non2xx,
          ...(non2xx > 0 ? { failedStatuses } : {}),
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
      else {
        non2xx += 1;
        failedStatuses[statusCode] = (failedStatuses[statusCode] ?? 0) + 1;
      }
    });
  });
}

/**
 * Streaming load: `connections` clients each sending requests back to back for `seconds`,
 * timing the first and the last body byte of every answer. A stream is stalled when no byte
 * arrived for more than stallMs (before the first byte too); incomplete when it ended without
 * the protocol's closing event.
 */
async function runStreamClient({ url, headers, body, connections, seconds, endMarker }) {
  const dispatcher = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const ttfb = [];
  // The first answer of each client: its connection was opened with all the others at once.
  const firstTtfb = [];
  const ttlb = [];
  const overheads = [];
  let stalled = 0;
  let stalledBeforeFirstByte = 0;
  // The first few stalls in detail, to tell a slow connect or admission from a stuck relay.
  const stallDetails = [];
  let incomplete = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    let onConnection = 0;
    while (performance.now() < deadline) {
      onConnection += 1;
      const t0 = performance.now();
      try {
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        if (response.statusCode !== 200) {
          non2xx += 1;
          await response.body.dump();
          continue;
        }
        keepOverhead(overheads, response.headers['x-cch-overhead-ms']);
        const headersAt = performance.now();
        let first = null;
        let last = t0;
        let maxGap = 0;
        let tail = '';
        for await (const chunk of response.body) {
          const now = performance.now();
          if (first === null) first = now;
          maxGap = Math.max(maxGap, now - last);
          last = now;
          tail = (tail + chunk.toString('latin1')).slice(-256);
        }
        const end = performance.now();
        const firstByteMs = (first ?? end) - t0;
        ttfb.push(firstByteMs);
        if (onConnection === 1) firstTtfb.push(firstByteMs);
        ttlb.push(end - t0);
        if (maxGap > SETTINGS.stallMs) stalled += 1;
        // Which kind: no first byte for that long, or a gap inside the stream.
        if (firstByteMs > SETTINGS.stallMs) stalledBeforeFirstByte += 1;
        if (maxGap > SETTINGS.stallMs && stallDetails.length < 20) {
          stallDetails.push({
            startedAfterMs: Math.round(t0 - started),
            headersMs: Math.round(headersAt - t0),
            firstByteMs: Math.round(firstByteMs),
            maxGapMs: Math.round(maxGap),
            requestOfClient: onConnection,
            overheadMs: Number(response.headers['x-cch-overhead-ms'] ?? NaN),
          });
        }
        if (!tail.includes(endMarker)) incomplete += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await dispatcher.close().catch(() => undefined);
  return {
    requests: ttlb.length,
    rps: ttlb.length / elapsed,
    latencyMs: summarise(ttlb),
    ttfbMs: summarise(ttfb),
    firstTtfbMs: summarise(firstTtfb),
    ...(overheads.length > 0 ? { overheadMs: summarise(overheads) } : {}),
    stalled,
    stalledBeforeFirstByte,
    ...(stallDetails.length > 0 ? { stallDetails } : {}),
    incomplete,
    non2xx,
    errors,
    timeouts: 0,
  };
}

/** The process and all its descendants (a cluster primary and its gateway workers). */
function processTree(root) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

function readStatusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, ms) used so far by CCH's processes. Per request, this is the
 * repeatable number on a shared machine: it barely moves with what else runs there.
 */
function treeCpuMs(pid) {
  let ms = 0;
  for (const p of processTree(pid)) {
    try {
      ms += processCpuMs(p);
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

/** RSS of CCH in MB: the process started and its gateway workers, summed. */
function treeRssMb(pid) {
  return processTree(pid).reduce((sum, p) => sum + (readStatusKb(p, 'VmRSS') ?? 0), 0) / 1024;
}

/**
 * Peak RSS of CCH (all its processes) over a run: the largest sampled sum of VmRSS (every
 * 100 ms); for a single process also its VmHWM after a reset, which catches shorter peaks.
 *
 * The sampling runs on a worker thread over the pid list taken before the run: reading /proc on
 * the load generator's own event loop (walking every process to find CCH's forks took 1–2 ms,
 * ten times a second) delayed about 1 % of CCH's requests and showed up as CCH's p99.
 */
function rssMonitor(pid) {
  const pids = processTree(pid);
  let resetOk = false;
  if (pids.length === 1) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      resetOk = true;
    } catch {
      resetOk = false;
    }
  }
  const sampler = new Worker(RSS_SAMPLER, { eval: true, workerData: { pids } });
  const peak = new Promise((resolvePeak, rejectPeak) => {
    sampler.once('message', resolvePeak);
    sampler.once('error', rejectPeak);
  });
  return {
    async stop() {
      sampler.postMessage('stop');
      const sampledMax = await peak;
      await sampler.terminate();
      const hwm = resetOk ? (readStatusKb(pid, 'VmHWM') ?? 0) / 1024 : 0;
      return Math.max(sampledMax, hwm);
    },
  };
}

const RSS_SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const rssMb = () => workerData.pids.reduce((sum, pid) => {
  try {
    const match = /^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
    return sum + (match ? Number(match[1]) : 0);
  } catch {
    return sum;
  }
}, 0) / 1024;
let max = rssMb();
const timer = setInterval(() => { max = Math.max(max, rssMb()); }, 100);
parentPort.on('message', () => {
  clearInterval(timer);
  parentPort.postMessage(Math.max(max, rssMb()));
});
`;

/** Portkey's gateway on a free port, ready when its root answers. */
async function startPortkey() {
  const port = await freePort();
  const child = spawnChild(
    'Portkey',
    [
      '--require',
      join(ROOT, 'bench', 'exit-with-parent.cjs'),
      SETTINGS.portkey,
      `--port=${port}`,
      '--headless',
    ],
    { env: { ...env, NODE_ENV: 'production' } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, 30_000, '/');
  return { url, pid: child.pid };
}

// ---------------------------------------------------------------------------------- lanes
function laneSpecs(keys) {
  const anthropicHeaders = (key) => ({
    'content-type': 'application/json',
    'anthropic-version': '2023-06-01',
    'x-api-key': key,
  });
  const chatHeaders = {
    'content-type': 'application/json',
    authorization: 'Bearer bench-upstream-key',
  };
  const upstreamAnthropic = anthropicHeaders('bench-upstream-key');
  const large = largeAnthropic(SETTINGS.largeBodyBytes);
  return {
    small: {
      kind: 'http',
      body: smallAnthropic(false),
      upstream: { path: '/v1/messages', headers: upstreamAnthropic },
      cch: { path: '/v1/messages', headers: anthropicHeaders(keys.anthropic) },
      expect: '"type":"message"',
    },
    stream: {
      kind: 'stream',
      body: smallAnthropic(true),
      upstream: { path: '/v1/messages', headers: upstreamAnthropic },
      cch: { path: '/v1/messages', headers: anthropicHeaders(keys.anthropic) },
      expect: 'message_stop',
    },
    large: {
      kind: 'http',
      body: large,
      upstream: { path: '/v1/messages', headers: upstreamAnthropic },
      cch: { path: '/v1/messages', headers: anthropicHeaders(keys.anthropic) },
      expect: '"type":"message"',
    },
    translate: {
      kind: 'http',
      body: smallAnthropic(false),
      upstreamBody: smallChat(false),
      upstream: { path: '/v1/chat/completions', headers: chatHeaders },
      cch: { path: '/v1/messages', headers: anthropicHeaders(keys.translate) },
      expect: { upstream: '"object":"chat.completion"', cch: '"type":"message"' },
    },
    'translate-stream': {
      kind: 'stream',
      body: smallAnthropic(true),
      upstreamBody: smallChat(true),
      upstream: { path: '/v1/chat/completions', headers: chatHeaders },
      cch: { path: '/v1/messages', headers: anthropicHeaders(keys.translate) },
      expect: { upstream: '[DONE]', cch: 'message_stop' },
    },
  };
}

function requestFor(spec, target, bases) {
  const viaCch = target === 'cch';
  const side = viaCch ? spec.cch : spec.upstream;
  const expect =
    typeof spec.expect === 'string' ? spec.expect : viaCch ? spec.expect.cch : spec.expect.upstream;
  // Portkey is told the provider and the upstream's address per request, in its own headers.
  const headers =
    target === 'portkey'
      ? {
          ...side.headers,
          'x-portkey-provider': 'anthropic',
          'x-portkey-custom-host': `${bases.direct}/v1`,
        }
      : side.headers;
  return {
    url: `${bases[target]}${side.path}`,
    headers,
    body: viaCch ? spec.body : (spec.upstreamBody ?? spec.body),
    expect,
  };
}

async function sanityCheck(lane, target, req) {
  const response = await request(req.url, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200 || !text.includes(req.expect)) {
    throw new Error(
      `sanity check failed for lane ${lane} via ${target}: HTTP ${response.statusCode}: ${text.slice(0, 600)}`,
    );
  }
}

// ----------------------------------------------------------------------------------- report
const fmt = (value, digits = 2) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
const fmtRps = (value) =>
  value === null || value === undefined ? '–' : Math.round(value).toString();

/** The run of one target in one lane at one concurrency, if it was measured. */
const findRun = (results, lane, c, target) =>
  results.find((r) => r.lane === lane && r.concurrency === c && r.target === target);

/** "p50 / p99" of what `run` adds over `direct`, or '–'. */
const addedCell = (run, direct) =>
  run && direct
    ? `${fmt(run.latencyMs.p50 - direct.latencyMs.p50)} / ${fmt(run.latencyMs.p99 - direct.latencyMs.p99)}`
    : '–';

function table(results) {
  const rows = [];
  rows.push(
    '| lane | c | direct rps | direct p50/p99 ms | floor rps | floor p50/p99 ms | CCH rps | CCH p50/p99 ms | CCH added p50/p99 ms | TTFB p50 direct/floor/CCH ms | stalled d/f/c | CCH failed | CCH own p50/p99 ms | CCH peak RSS MB | CCH CPU µs/req |',
  );
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const cells = (run) =>
    run ? [fmtRps(run.rps), `${fmt(run.latencyMs.p50)} / ${fmt(run.latencyMs.p99)}`] : ['–', '–'];
  for (const lane of SETTINGS.lanes) {
    for (const c of concurrencyOf(lane)) {
      const find = (target) => findRun(results, lane, c, target);
      const direct = find('direct');
      const floor = find('floor');
      const cch = find('cch');
      const added = addedCell(cch, direct);
      const stream = (direct ?? cch ?? floor)?.ttfbMs !== undefined;
      const ttfb = stream ? [direct, floor, cch].map((r) => fmt(r?.ttfbMs?.p50)).join(' / ') : '–';
      const stalled = stream ? [direct, floor, cch].map((r) => r?.stalled ?? '–').join(' / ') : '–';
      const failed = cch ? cch.non2xx + cch.errors + cch.timeouts + (cch.incomplete ?? 0) : '–';
      const own = cch?.overheadMs ? `${fmt(cch.overheadMs.p50)} / ${fmt(cch.overheadMs.p99)}` : '–';
      rows.push(
        `| ${lane} | ${c} | ${cells(direct).join(' | ')} | ${cells(floor).join(' | ')} | ${cells(cch).join(' | ')} | ${added} | ${ttfb} | ${stalled} | ${failed} | ${own} | ${cch ? fmt(cch.peakRssMb, 0) : '–'} | ${cch ? fmt(cch.cpuUsPerRequest, 0) : '–'} |`,
      );
    }
  }
  return rows.join('\n');
}

/** Portkey beside CCH, lane by lane: what each adds over direct, and what it costs in CPU. */
function portkeyTable(results) {
  const rows = [
    '| lane | c | Portkey rps | Portkey p50/p99 ms | Portkey added p50/p99 ms | Portkey CPU µs/req | Portkey peak RSS MB | CCH rps | CCH added p50/p99 ms | CCH CPU µs/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const lane of SETTINGS.lanes) {
    for (const c of concurrencyOf(lane)) {
      const [direct, cch, portkey] = ['direct', 'cch', 'portkey'].map((target) =>
        findRun(results, lane, c, target),
      );
      if (!portkey) continue;
      const added = (run) => addedCell(run, direct);
      rows.push(
        `| ${lane} | ${c} | ${fmtRps(portkey.rps)} | ${fmt(portkey.latencyMs.p50)} / ${fmt(portkey.latencyMs.p99)} | ${added(portkey)} | ${fmt(portkey.cpuUsPerRequest, 0)} | ${fmt(portkey.peakRssMb, 0)} | ${fmtRps(cch?.rps)} | ${added(cch)} | ${fmt(cch?.cpuUsPerRequest, 0)} |`,
      );
    }
  }
  return rows.length > 2 ? rows.join('\n') : null;
}

/** The rows of one round. */
const roundRows = (results, round) => results.filter((r) => r.round === round);

/** Issue 7's targets measured in one round's rows: name, value (null: not measured), bound. */
function targetValues(results) {
  const find = (lane, c, target) => findRun(results, lane, c, target);
  const added = (lane, c, pick) => {
    const direct = find(lane, c, 'direct');
    const cch = find(lane, c, 'cch');
    return direct && cch ? pick(cch) - pick(direct) : null;
  };
  const floor64 = find('small', 64, 'floor');
  const cch64 = find('small', 64, 'cch');
  const stream256 = find('stream', 256, 'cch');
  const atMost = (name, value, bound, unit) => ({ name, value, bound, unit, atMost: true });
  const p50 = (r) => r.latencyMs.p50;
  const p99 = (r) => r.latencyMs.p99;
  /** What CCH adds at c=1 over direct, at most `bound` ms. */
  const addedAtC1 = (name, lane, pick, bound) => atMost(name, added(lane, 1, pick), bound, 'ms');
  return [
    addedAtC1('small c=1: CCH added p50', 'small', p50, 1),
    addedAtC1('small c=1: CCH added p99', 'small', p99, 2),
    {
      name: 'small c=64: CCH rps / floor rps',
      value: floor64 && cch64 ? (100 * cch64.rps) / floor64.rps : null,
      bound: 70,
      unit: '%',
      atMost: false,
    },
    addedAtC1('stream c=1: CCH added TTFB p50', 'stream', (r) => r.ttfbMs.p50, 2),
    atMost(
      'stream c=256: CCH stalled + failed streams',
      stream256
        ? stream256.stalled +
            stream256.incomplete +
            stream256.non2xx +
            stream256.errors +
            stream256.timeouts
        : null,
      0,
      'streams',
    ),
    addedAtC1('large (400 KB) c=1: CCH added p99', 'large', p99, 5),
    addedAtC1('translate c=1: CCH added p50', 'translate', p50, 10),
    addedAtC1('translate c=1: CCH added p99', 'translate', p99, 10),
  ];
}

/** The middle value (the mean of the middle two for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Issue 7's targets judged from this run: the value, the bound and met or not. With several
 * rounds, each round's value comes from that round's own pair of runs, the verdict judges their
 * median, and every round's value is listed.
 */
function targetsTable(results) {
  const rounds = Array.from({ length: SETTINGS.rounds }, (_, index) =>
    targetValues(roundRows(results, index + 1)),
  );
  const rows = rounds[0].map((target, index) => {
    const { name, bound, unit, atMost } = target;
    const relation = `${atMost ? '≤' : '≥'} ${bound} ${unit}`;
    const values = rounds
      .map((round) => round[index].value)
      .filter((value) => value !== null && value !== undefined && !Number.isNaN(value));
    if (values.length === 0) return `| ${name} | – | ${relation} | not measured |`;
    const value = median(values);
    const digits = unit === 'ms' ? 2 : 0;
    const met = atMost ? value <= bound : value >= bound;
    const gap = atMost ? value - bound : bound - value;
    const perRound =
      values.length > 1 ? ` (rounds: ${values.map((v) => v.toFixed(digits)).join(' / ')})` : '';
    return `| ${name} | ${value.toFixed(digits)} ${unit}${perRound} | ${relation} | ${met ? 'met' : `missed by ${gap.toFixed(digits)} ${unit}`} |`;
  });
  const table = ['| target | measured | bound | result |', '|---|---:|---:|---|', ...rows];
  const probe = findRun(results, 'small', 1, 'cch')?.redisPingMs;
  if (probe) {
    table.push(
      '',
      `During the small c=1 CCH run, a Redis PING from a process of its own (BENCH_REDIS_PROBE) took ` +
        `p50 ${fmt(probe.p50)} / p99 ${fmt(probe.p99)} / p99.9 ${fmt(probe.p999)} ms: ` +
        `CCH's admission is one such round trip on every request's path.`,
    );
  }
  return table.join('\n');
}

/** The results table (and Portkey's), once per round when there were several. */
function roundTables(results) {
  if (SETTINGS.rounds === 1) return [table(results), portkeyTable(results)];
  return Array.from({ length: SETTINGS.rounds }, (_, index) => {
    const rows = roundRows(results, index + 1);
    return [`Round ${index + 1} of ${SETTINGS.rounds}:`, table(rows), portkeyTable(rows)]
      .filter(Boolean)
      .join('\n\n');
  });
}

/**
 * Soak: c=16 small-body load for BENCH_SOAK_SECONDS; CCH's RSS (every process) sampled every
 * 10 s after a warm-up. Drift = (mean of the last minute − mean of the first) / the first.
 */
async function runSoak(spec, bases, cch) {
  const req = requestFor(spec, 'cch', bases);
  const warmSeconds = Math.max(10, SETTINGS.cchWarmupSeconds);
  log(
    `soak: ${warmSeconds}s warm-up, then ${SETTINGS.soakSeconds}s at c=${SETTINGS.soakConcurrency}`,
  );
  await runAutocannon({ ...req, connections: SETTINGS.soakConcurrency, seconds: warmSeconds });
  const samples = [{ t: 0, rssMb: treeRssMb(cch.pid) }];
  const started = performance.now();
  const timer = setInterval(() => {
    const sample = {
      t: Math.round((performance.now() - started) / 1000),
      rssMb: treeRssMb(cch.pid),
    };
    samples.push(sample);
    log(`soak t=${sample.t}s RSS ${fmt(sample.rssMb, 1)} MB`);
  }, 10_000);
  const run = await runAutocannon({
    ...req,
    connections: SETTINGS.soakConcurrency,
    seconds: SETTINGS.soakSeconds,
  });
  clearInterval(timer);
  samples.push({ t: Math.round((performance.now() - started) / 1000), rssMb: treeRssMb(cch.pid) });
  if (cch.exitCode !== null) throw new Error(`CCH died during the soak:\n${cch.output()}`);
  // RSS swings with every major GC (±10 % here), so start and end are the means of the first and
  // the last minute of samples, not two single readings.
  const window = Math.max(1, Math.min(6, Math.floor(samples.length / 3)));
  const mean = (list) => list.reduce((sum, sample) => sum + sample.rssMb, 0) / list.length;
  const start = mean(samples.slice(0, window));
  const end = mean(samples.slice(-window));
  const max = Math.max(...samples.map((sample) => sample.rssMb));
  return {
    seconds: SETTINGS.soakSeconds,
    concurrency: SETTINGS.soakConcurrency,
    processes: processTree(cch.pid).length,
    rssStartMb: start,
    rssEndMb: end,
    rssMaxMb: max,
    driftPercent: (100 * (end - start)) / start,
    maxOverStartPercent: (100 * (max - start)) / start,
    windowSamples: window,
    samples,
    ...run,
  };
}

function soakTable(soak) {
  const failed = soak.non2xx + soak.errors + soak.timeouts;
  const drift = soak.driftPercent;
  return [
    '| soak | c | requests | rps | p50/p99 ms | failed | RSS first min / last min / max MB | drift | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    `| small, ${soak.seconds}s, ${soak.processes} process(es) | ${soak.concurrency} | ${soak.requests} | ${fmtRps(soak.rps)} | ${fmt(soak.latencyMs.p50)} / ${fmt(soak.latencyMs.p99)} | ${failed} | ${fmt(soak.rssStartMb, 1)} / ${fmt(soak.rssEndMb, 1)} / ${fmt(soak.rssMaxMb, 1)} | ${drift >= 0 ? '+' : ''}${fmt(drift, 1)} % | flat within 10 %: ${Math.abs(drift) <= 10 ? 'met' : 'missed'} |`,
  ].join('\n');
}

function gitCommit() {
  if (env.BENCH_CCH_LABEL) return env.BENCH_CCH_LABEL;
  const cwd = SETTINGS.cchDir;
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], {
    cwd,
    encoding: 'utf8',
  });
  const commit = result.status === 0 ? result.stdout.trim() : 'unknown';
  return dirty.stdout?.trim() ? `${commit}+dirty` : commit;
}

lockBenchOrExit(SETTINGS.soakSeconds > 0 ? 'npm run bench:soak' : 'npm run bench');

/**
 * One measured run: `target` serving `spec` at concurrency `c`, with the CPU of the proxy's own
 * processes, Redis and Postgres over the run. Returns the run's row.
 */
async function measureRun({ lane, spec, c, round, target }, processes, bases) {
  const { cch, portkey, floor, redisPid, redisProbe } = processes;
  const req = requestFor(spec, target, bases);
  // The proxies' own processes: CCH's tree, Portkey's or the floor's single process (the
  // floor's CPU per request is the least a Node proxy spends; JSON and progress line only).
  const measured = { cch: cch.pid, portkey: portkey?.pid, floor: floor.pid }[target] ?? null;
  const monitor = measured ? rssMonitor(measured) : null;
  const cpuBefore = measured ? treeCpuMs(measured) : 0;
  const redisCpuBefore = redisPid ? treeCpuMs(redisPid) : 0;
  const postgresCpuBefore =
    target === 'cch' ? await backendsCpu(postgresStats, SETTINGS.database) : null;
  redisProbe?.start();
  const run =
    spec.kind === 'stream'
      ? await runStreamClient({
          ...req,
          connections: c,
          seconds: SETTINGS.seconds,
          endMarker: req.expect,
        })
      : await runAutocannon({ ...req, connections: c, seconds: SETTINGS.seconds });
  const peakRssMb = monitor ? await monitor.stop() : undefined;
  const redisPingMs = redisProbe ? await redisProbe.stop() : undefined;
  const cpuUsPerRequest =
    measured && run.requests > 0
      ? ((treeCpuMs(measured) - cpuBefore) * 1000) / run.requests
      : undefined;
  const redisCpuUsPerRequest =
    target === 'cch' && redisPid && run.requests > 0
      ? ((treeCpuMs(redisPid) - redisCpuBefore) * 1000) / run.requests
      : undefined;
  // Ledger rows of the run's last milliseconds may be written after it: a slight undercount.
  const postgresCpuUsPerRequest =
    postgresCpuBefore && run.requests > 0
      ? (backendsCpuSince(postgresCpuBefore, await backendsCpu(postgresStats, SETTINGS.database)) *
          1000) /
        run.requests
      : undefined;
  return {
    lane,
    concurrency: c,
    target,
    round,
    ...run,
    ...(peakRssMb ? { peakRssMb } : {}),
    ...(cpuUsPerRequest ? { cpuUsPerRequest } : {}),
    ...(redisCpuUsPerRequest ? { redisCpuUsPerRequest } : {}),
    ...(postgresCpuUsPerRequest ? { postgresCpuUsPerRequest } : {}),
    ...(redisPingMs ? { redisPingMs } : {}),
  };
}

/** The progress line of one run's row. */
function logRun(row) {
  const { peakRssMb, cpuUsPerRequest, redisCpuUsPerRequest, postgresCpuUsPerRequest, redisPingMs } =
    row;
  log(
    `${row.lane} c=${row.concurrency} ${row.target}${SETTINGS.rounds > 1 ? ` (round ${row.round})` : ''}: ${fmtRps(row.rps)} rps, p50 ${fmt(row.latencyMs.p50)} ms, p99 ${fmt(row.latencyMs.p99)} ms` +
      (row.ttfbMs
        ? `, ttfb p50 ${fmt(row.ttfbMs.p50)} ms (first of each client p50 ${fmt(row.firstTtfbMs?.p50)} / max ${fmt(row.firstTtfbMs?.max)} ms), stalled ${row.stalled}` +
          (row.stalled > 0
            ? ` (${row.stalledBeforeFirstByte} before the first byte; first: ${JSON.stringify(row.stallDetails?.slice(0, 3))})`
            : '')
        : '') +
      (row.overheadMs
        ? `, own p50 ${fmt(row.overheadMs.p50)} / p99 ${fmt(row.overheadMs.p99)} ms`
        : '') +
      (row.non2xx + row.errors + row.timeouts > 0
        ? `, FAILED ${row.non2xx} non-2xx${row.failedStatuses ? ` ${JSON.stringify(row.failedStatuses)}` : ''} / ${row.errors} errors / ${row.timeouts} timeouts`
        : '') +
      (peakRssMb ? `, RSS ${fmt(peakRssMb, 0)} MB` : '') +
      (cpuUsPerRequest ? `, CPU ${fmt(cpuUsPerRequest, 0)} µs/req` : '') +
      (redisCpuUsPerRequest ? `, Redis CPU ${fmt(redisCpuUsPerRequest, 0)} µs/req` : '') +
      (postgresCpuUsPerRequest ? `, Postgres CPU ${fmt(postgresCpuUsPerRequest, 0)} µs/req` : '') +
      (redisPingMs
        ? `, Redis PING p50 ${fmt(redisPingMs.p50)} / p99 ${fmt(redisPingMs.p99)} ms`
        : ''),
  );
}

// ------------------------------------------------------------------------------------- main
let scratchDir = null;
let databaseCreated = false;
let redisTouched = false;
let postgresStats = null;

async function cleanup() {
  await stopChildren().catch(() => undefined);
  await postgresStats?.end().catch(() => undefined);
  if (redisTouched) await flushRedis().catch((e) => log(`redis cleanup failed: ${e.message}`));
  if (databaseCreated && !SETTINGS.keepDb) {
    await dropDatabase().catch((e) => log(`database cleanup failed: ${e.message}`));
  }
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
}

async function main() {
  const startedAt = new Date();
  const loadStart = loadavg();
  log(
    SETTINGS.soakSeconds > 0
      ? `plan: soak, small lane at c=${SETTINGS.soakConcurrency} for ${SETTINGS.soakSeconds}s`
      : `plan: lanes ${SETTINGS.lanes.join(',')} × c ${SETTINGS.concurrency.join(',')} (streams ${SETTINGS.streamConcurrency.join(',')}) × ${SETTINGS.targets.join(',')}, ` +
          `${SETTINGS.seconds}s each (+${SETTINGS.warmupSeconds}s warm-up per lane/target): ~${Math.round(plannedSeconds)}s of load`,
  );
  const built = buildIfNeeded();

  // 1. fake upstream and floor proxy
  const fake = spawnChild('fake upstream', ['bench/fake-upstream.mjs'], {
    env: {
      ...env,
      FAKE_LATENCY_MS: String(SETTINGS.upstreamLatencyMs),
      FAKE_CHUNKS: String(SETTINGS.streamChunks),
      FAKE_CHUNK_DELAY_MS: String(SETTINGS.streamChunkDelayMs),
    },
  });
  const fakeUrl = `http://127.0.0.1:${await waitForListening(fake)}`;
  const floor = spawnChild('floor proxy', ['bench/floor-proxy.mjs'], {
    env: { ...env, FLOOR_UPSTREAM: fakeUrl },
  });
  const floorUrl = `http://127.0.0.1:${await waitForListening(floor)}`;
  const portkey = SETTINGS.targets.includes('portkey') ? await startPortkey() : null;
  const redisProbe = await startRedisProbe();
  const redisPid = await localRedisPid();

  // 2. CCH with a scratch database and Redis DB of its own
  const databaseUrl = `${SETTINGS.pgUrl}/${SETTINGS.database}`;
  databaseCreated = true;
  await prepareDatabase(databaseUrl);
  postgresStats = await openPostgresStats(databaseUrl);
  redisTouched = true;
  await flushRedis();
  scratchDir = mkdtempSync(join(tmpdir(), 'cch-bench-'));
  const adminToken = `bench-admin-${randomBytes(24).toString('hex')}`;
  const port = await freePort();
  const cchEnv = {
    ...env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: SETTINGS.redisUrl,
    ADMIN_TOKEN: adminToken,
    MASTER_KEY: randomBytes(32).toString('base64'),
    CCH_ROLES: env.BENCH_CCH_ROLES ?? 'gateway,admin,worker',
    LOG_LEVEL: env.BENCH_CCH_LOG_LEVEL ?? 'warn',
    TRUST_PROXY: 'false',
    EGRESS_ALLOWLIST: '127.0.0.1/32',
    USAGE_SPOOL_DIR: join(scratchDir, 'spool'),
    HEALTH_CHECK_INTERVAL_SECONDS: '3600',
    LIMITS_FAIL_OPEN: 'true',
  };
  const cch = spawnChild(
    'CCH',
    [
      ...list(env.BENCH_CCH_NODE_ARGS, ''),
      '--require',
      join(ROOT, 'bench', 'exit-with-parent.cjs'),
      'dist/src/main.js',
    ],
    { env: cchEnv, cwd: SETTINGS.cchDir, nodeBinary: SETTINGS.cchNode },
  );
  const cchUrl = `http://127.0.0.1:${port}`;
  await waitReady(cchUrl, cch);
  log(`CCH ready on ${cchUrl} (pid ${cch.pid}); fake upstream ${fakeUrl}; floor ${floorUrl}`);

  // 3. providers, a user and keys, with limits on so the limits path runs
  const limits = { rpm: 1_000_000, concurrentSessions: 100_000, usdDaily: '1000000' };
  await admin(cchUrl, adminToken, 'POST', '/api/providers', {
    name: 'bench-anthropic',
    type: 'anthropic',
    baseUrl: fakeUrl,
    apiKey: 'bench-upstream-key',
    groups: ['default'],
  });
  await admin(cchUrl, adminToken, 'POST', '/api/providers', {
    name: 'bench-openai-chat',
    type: 'openai-chat',
    baseUrl: fakeUrl,
    apiKey: 'bench-upstream-key',
    groups: ['bench-translate'],
  });
  const user = await admin(cchUrl, adminToken, 'POST', '/api/users', {
    name: 'bench user',
    limits: { rpm: 1_000_000, usdDaily: '1000000' },
  });
  const anthropicKey = await admin(cchUrl, adminToken, 'POST', `/api/users/${user.id}/keys`, {
    name: 'bench-anthropic',
    limits,
  });
  const translateKey = await admin(cchUrl, adminToken, 'POST', `/api/users/${user.id}/keys`, {
    name: 'bench-translate',
    limits,
    providerGroup: 'bench-translate',
  });
  const bases = { direct: fakeUrl, floor: floorUrl, cch: cchUrl, portkey: portkey?.url };
  const specs = laneSpecs({ anthropic: anthropicKey.key, translate: translateKey.key });

  // 4. sanity: every lane answers correctly through every target (retry briefly while the
  // provider directory picks up the new providers)
  for (const lane of SETTINGS.lanes) {
    for (const target of laneTargets(lane)) {
      const req = requestFor(specs[lane], target, bases);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await sanityCheck(lane, target, req);
          break;
        } catch (error) {
          if (attempt >= 20) throw error;
          await sleep(250);
        }
      }
    }
  }

  if (SETTINGS.steadyLimits) {
    const scopes = [
      ['user', user.id],
      ['key', anthropicKey.id],
      ['key', translateKey.id],
    ];
    const filled = await fillRollingWindows(scopes);
    log(`rolling 5 h windows filled to 60 buckets: ${filled} of ${scopes.length} scopes`);
  }

  // 5. load
  const processes = { cch, portkey, floor, redisPid, redisProbe };
  const results = [];
  const soak = SETTINGS.soakSeconds > 0 ? await runSoak(specs.small, bases, cch) : null;
  if (!soak) {
    // A fresh CCH is cold (JIT, connection pools, caches): whatever lane came first measured
    // slower. Every lane goes through CCH for BENCH_CCH_WARMUP_SECONDS before anything is
    // measured.
    for (const lane of SETTINGS.lanes) {
      if (SETTINGS.cchWarmupSeconds <= 0 || !SETTINGS.targets.includes('cch')) break;
      const req = requestFor(specs[lane], 'cch', bases);
      const warm = { ...req, connections: 16, seconds: SETTINGS.cchWarmupSeconds };
      if (specs[lane].kind === 'stream') await runStreamClient({ ...warm, endMarker: req.expect });
      else await runAutocannon(warm);
    }
  }
  for (const lane of soak ? [] : SETTINGS.lanes) {
    const spec = specs[lane];
    for (const target of laneTargets(lane)) {
      if (SETTINGS.warmupSeconds > 0) {
        const req = requestFor(spec, target, bases);
        const warm = {
          ...req,
          connections: Math.min(16, Math.max(...concurrencyOf(lane))),
          seconds: SETTINGS.warmupSeconds,
        };
        if (spec.kind === 'stream') await runStreamClient({ ...warm, endMarker: req.expect });
        else await runAutocannon(warm);
      }
    }
    for (const c of concurrencyOf(lane)) {
      for (let round = 1; round <= SETTINGS.rounds; round++) {
        for (const target of laneTargets(lane)) {
          const row = await measureRun({ lane, spec, c, round, target }, processes, bases);
          results.push(row);
          logRun(row);
          if (cch.exitCode !== null) throw new Error(`CCH died during the run:\n${cch.output()}`);
        }
      }
    }
  }

  const cchRssEndMb = treeRssMb(cch.pid);
  const usageQueue = await usageQueueFootprint().catch(() => null);
  if (usageQueue) {
    log(
      `usage queue in Redis after the runs: ${usageQueue.jobs} job hashes, ${usageQueue.keys} keys, ${usageQueue.megabytes} MB`,
    );
  }
  const markdown = soak
    ? soakTable(soak)
    : [...roundTables(results), targetsTable(results)].filter(Boolean).join('\n\n');
  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt - startedAt) / 1000,
    commit: gitCommit(),
    usageQueue,
    cchDir: SETTINGS.cchDir,
    built,
    machine: {
      node: process.version,
      cchNode: cchNodeVersion(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      // 1/5/15-minute load averages: above the core count, other work shared the machine.
      loadAverageStart: loadStart,
      loadAverageEnd: loadavg(),
    },
    settings: {
      ...SETTINGS,
      model: MODEL,
      largeBodyBytes: specs.large?.body.length ?? SETTINGS.largeBodyBytes,
    },
    notes: [
      'latency = time to the last byte of the answer (autocannon response time for non-streaming lanes, own client for streaming lanes)',
      'CCH added = CCH minus direct-to-upstream at the same percentile',
      'peakRssMb = CCH peak RSS during that run (VmHWM reset per run, else sampled VmRSS)',
      'the load generator, the fake upstream, the floor proxy and CCH share this machine',
    ],
    cch: {
      processes: processTree(cch.pid).length,
      gatewayWorkers: env.GATEWAY_WORKERS ?? '0 (one per core)',
      // The settings that change what a request waits for, as CCH ran with them.
      hotPath: {
        LIMITS_ADMIT_AHEAD: env.LIMITS_ADMIT_AHEAD ?? 'false',
        ROUTING_STATE_MAX_AGE_MS: env.ROUTING_STATE_MAX_AGE_MS ?? '0',
        GATEWAY_CLUSTER_SCHEDULING: env.GATEWAY_CLUSTER_SCHEDULING ?? 'auto',
        // `info` writes an access line per request, as CCH does by default in production.
        LOG_LEVEL: env.BENCH_CCH_LOG_LEVEL ?? 'warn',
      },
      // How V8 sizes CCH's heap (README, Performance); they decide how often full GCs run.
      v8: {
        V8_HEAP_GROWING_PERCENT: env.V8_HEAP_GROWING_PERCENT ?? '100',
        V8_MAX_SEMI_SPACE_MB: env.V8_MAX_SEMI_SPACE_MB ?? 'auto',
        NODE_OPTIONS: env.NODE_OPTIONS ?? '',
      },
      rssEndMb: cchRssEndMb,
      peakRssMb: Math.max(0, ...results.map((r) => r.peakRssMb ?? 0)),
    },
    results,
    ...(soak ? { soak } : {}),
    table: markdown,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  const la = (values) => values.map((v) => v.toFixed(1)).join(' / ');
  process.stdout.write(
    `\nCCH bench ${report.commit}, ${startedAt.toISOString().slice(0, 10)}, node ${process.version}` +
      `${report.machine.cchNode === process.version ? '' : ` (CCH on ${report.machine.cchNode})`}, ` +
      `${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB RAM, ` +
      `CCH ${report.cch.processes} process(es) (GATEWAY_WORKERS=${report.cch.gatewayWorkers}, ` +
      `${Object.entries(report.cch.hotPath)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')})\n` +
      `load average (1/5/15 min) at start ${la(loadStart)}, at end ${la(report.machine.loadAverageEnd)}` +
      `${loadStart[0] > report.machine.cpus ? ' (the machine was busy with other work)' : ''}\n` +
      `${SETTINGS.seconds}s per run, upstream latency ${SETTINGS.upstreamLatencyMs} ms, ` +
      `stream ${SETTINGS.streamChunks} chunks × ${SETTINGS.streamChunkDelayMs} ms, large body ${Math.round((specs.large?.body.length ?? 0) / 1024)} KB, ` +
      `limits ${SETTINGS.steadyLimits ? 'in the steady state (60 rolling buckets per scope)' : 'on fresh keys'}\n` +
      `latency = time to last byte; CCH added = CCH − direct at p50 / p99; stalled = no byte for > ${SETTINGS.stallMs} ms\n\n` +
      `${markdown}\n\nwritten ${file}\n`,
  );
}

let finished = false;
const hardLimit = setTimeout(() => {
  log(`hard time limit of ${Math.round(HARD_LIMIT_MS / 1000)} s reached; stopping everything`);
  void cleanup().finally(() => process.exit(1));
}, HARD_LIMIT_MS);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (finished) return;
    finished = true;
    log(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(async () => {
    finished = true;
    await cleanup();
    clearTimeout(hardLimit);
    process.exit(0);
  })
  .catch(async (error) => {
    finished = true;
    log(`failed: ${error?.stack ?? error}`);
    for (const child of children) {
      const output = child.output().trim();
      if (output) log(`--- last output of ${child.benchName} ---\n${output.slice(-3000)}`);
    }
    await cleanup();
    clearTimeout(hardLimit);
    process.exit(1);
  });
