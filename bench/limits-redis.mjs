// `npm run bench:limits`: what one request's admission and settlement cost Redis, in the steady
// state of a busy scope (every 5-minute bucket of the rolling 5 h window holding spend and a
// full minute of requests in the rpm window), which the end-to-end bench, minutes long on fresh
// keys, never reaches. Runs CCH's LimitsEngine (from dist/, `npm run build` first) against a
// private redis-server it starts on a free port, so resetting its statistics touches nothing
// shared. See bench/README.md.
import { createRequire } from 'node:module';
import { startPrivateRedis } from './private-redis.mjs';
import { callgrindEnv, callgrindPrefix, startCounting, stopAndCount } from './callgrind.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { lockBenchOrExit } from './bench-lock.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CCH_DIR = process.env.BENCH_CCH_DIR ? resolve(process.env.BENCH_CCH_DIR) : ROOT;
// Under callgrind Redis runs ~50 times slower: fewer requests, and an rpm window of 2,000.
const CALLGRIND = process.env.BENCH_LIMITS_CALLGRIND === '1';
const REQUESTS = Number(process.env.BENCH_LIMITS_REQUESTS ?? (CALLGRIND ? 2_000 : 20_000));
const RPM_FILL = Number(process.env.BENCH_LIMITS_RPM_FILL ?? (CALLGRIND ? 2_000 : 30_000));
const CONCURRENCY = Number(process.env.BENCH_LIMITS_CONCURRENCY ?? 32);
// Admissions through AdmissionAhead (LIMITS_ADMIT_AHEAD) instead of the engine alone.
const AHEAD = process.env.BENCH_LIMITS_AHEAD === '1';
const require = createRequire(join(CCH_DIR, 'package.json'));
const Redis = require('ioredis');
const { LimitsEngine } = require(join(CCH_DIR, 'dist/src/limits/limits-engine.js'));
// The gateway's Redis client sends the commands of one event-loop turn in one write; builds from
// before coalesceWrites used ioredis' auto-pipelining for that.
const coalesceWrites = (() => {
  try {
    return require(join(CCH_DIR, 'dist/src/common/redis/coalesced-writes.js')).coalesceWrites;
  } catch {
    return null;
  }
})();

async function startRedis(prefix) {
  const { child, redis } = await startPrivateRedis(
    Redis,
    { maxRetriesPerRequest: 1, enableAutoPipelining: coalesceWrites === null },
    prefix,
    prefix.length > 0 ? callgrindEnv() : process.env,
  );
  coalesceWrites?.(redis);
  return { child, redis };
}

/**
 * Runs `count` admit+settle pairs, `concurrency` at a time, at the times `at(i)` gives;
 * admissions go through `admitter` (the engine, or AdmissionAhead over it).
 */
async function drive(engine, admitter, scopes, providerId, count, concurrency, clock, at) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      clock.value = at(i);
      const result = await admitter.admit({
        requestId: `r${at(i)}-${i}`,
        scopes,
        reserveUsd: '0.05',
      });
      if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
      if (!(await engine.settle(result.reservation, '0.012345', { providerId }))) {
        throw new Error('settle failed');
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function cpuSeconds(info) {
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

function commandStats(info) {
  const stats = new Map();
  for (const [, name, calls, usec] of info.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(name, { calls: Number(calls), usec: Number(usec) });
  }
  return stats;
}

lockBenchOrExit('npm run bench:limits');

const callgrindDir = CALLGRIND ? mkdtempSync(join(tmpdir(), 'cch-callgrind-')) : null;
const callgrindOut = callgrindDir ? join(callgrindDir, 'redis.out') : null;
const { child, redis } = await startRedis(callgrindOut ? callgrindPrefix(callgrindOut) : []);
try {
  const clock = { value: Date.parse('2026-03-10T12:00:00Z') };
  const engine = new LimitsEngine(
    redis,
    { onError: (error, operation) => console.error(operation, error) },
    () => clock.value,
  );
  const limits = {
    rpm: 1_000_000,
    concurrentSessions: 100_000,
    usdDaily: '1000000',
    usd5h: '1000000',
  };
  const scopes = [
    { kind: 'user', id: 'bench-user', limits },
    { kind: 'key', id: 'bench-key', limits },
  ];
  const providerId = 'bench-provider';
  const start = clock.value;
  const fiveHours = 5 * 3_600_000;
  // Spend in every bucket of the last 5 h, then a minute of requests in the rpm window.
  await drive(
    engine,
    engine,
    scopes,
    providerId,
    120,
    1,
    clock,
    (i) => start - fiveHours + i * 150_000,
  );
  await drive(engine, engine, scopes, providerId, RPM_FILL, CONCURRENCY, clock, (i) =>
    Math.floor(start - 60_000 + (i * 60_000) / RPM_FILL),
  );
  const memory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  const before = {
    cpu: cpuSeconds(await redis.info('cpu')),
    memory: await memory(),
    node: process.cpuUsage(),
  };
  await redis.call('CONFIG', 'RESETSTAT');
  if (CALLGRIND) startCounting(child.pid);
  const began = performance.now();
  const ahead = AHEAD
    ? new (require(join(CCH_DIR, 'dist/src/limits/admission-ahead.js')).AdmissionAhead)(
        engine,
        {},
        () => clock.value,
      )
    : null;
  // 1,000 requests per second of simulated time: the windows keep sliding while measured.
  await drive(
    engine,
    ahead ?? engine,
    scopes,
    providerId,
    REQUESTS,
    CONCURRENCY,
    clock,
    (i) => start + i,
  );
  // What is still held is withdrawn, inside the measured span: it is part of the cost.
  await ahead?.close();
  const wallMs = performance.now() - began;
  const instructions = CALLGRIND ? await stopAndCount(child.pid, callgrindOut) : null;
  const stats = commandStats(await redis.info('commandstats'));
  const cpu = cpuSeconds(await redis.info('cpu')) - before.cpu;
  const node = process.cpuUsage(before.node);
  const memoryGrowth = (await memory()) - before.memory;
  const scripts = stats.get('evalsha') ?? { calls: 0, usec: 0 };
  let inner = 0;
  for (const [name, stat] of stats) {
    if (name !== 'evalsha' && name !== 'eval' && !name.startsWith('config')) inner += stat.calls;
  }
  const hash = await redis.hgetall('cch:lim:user:bench-user:roll');
  const buckets = Object.keys(hash).filter((field) => /^\d+$/.test(field)).length;
  // The request window: a count per second since session 32, a zset entry per request before.
  const windowKeys = ['rate', 'rpm'].map((part) => `cch:lim:user:bench-user:${part}`);
  const windowRequests =
    Number((await redis.hget(windowKeys[0], '-1')) ?? 0) + (await redis.zcard(windowKeys[1]));
  let windowBytes = 0;
  for (const key of windowKeys) windowBytes += Number(await redis.call('MEMORY', 'USAGE', key));
  const perRequest = (value) => (value / REQUESTS).toFixed(1);
  console.log(
    `CCH limits on Redis, ${REQUESTS} admit+settle pairs at c=${CONCURRENCY}${AHEAD ? ', admitted ahead' : ''} (${CCH_DIR})`,
  );
  console.log(
    `state: ${buckets} rolling buckets per scope, rpm window ${windowRequests} requests in ${windowBytes} bytes, 2 admitted + 3 charged scopes`,
  );
  console.log(
    '| Redis CPU µs/request | scripts µs/request | Redis calls/request | gateway CPU µs/request | pairs/s | Redis memory growth bytes/request |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${perRequest(cpu * 1e6)} | ${perRequest(scripts.usec)} | ${perRequest(inner)} | ${perRequest(node.user + node.system)} | ${Math.round(REQUESTS / (wallMs / 1000))} | ${perRequest(memoryGrowth)} |`,
  );
  if (instructions !== null) {
    // Times above were taken under valgrind; this count is the number to compare builds by.
    console.log(
      `Redis instructions per admit + settle (callgrind): ${Math.round(instructions / REQUESTS)}`,
    );
  }
} finally {
  redis.disconnect();
  if (callgrindDir) {
    // Stopped gently, valgrind removes the FIFOs it made in the temp directory.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(callgrindDir, { recursive: true, force: true });
  } else {
    child.kill('SIGKILL');
  }
}
