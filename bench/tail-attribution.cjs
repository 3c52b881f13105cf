// Preloaded into CCH (BENCH_CCH_NODE_ARGS=--require=./bench/tail-attribution.cjs) to say what the
// slowest requests waited for. For BENCH_TAIL_SECONDS (10), starting BENCH_TAIL_AFTER_SECONDS
// (20) after boot, each gateway process records:
//   - every proxied request: arrival, head out, and its x-cch-overhead-ms;
//   - every EVALSHA (the limits scripts): sent and answered;
//   - every GC pause (perf_hooks), and event-loop stalls over 3 ms (a 1 ms interval timer);
// then writes them to BENCH_TAIL_DIR (/tmp)/tail-<pid>.json. `node bench/tail-summary.mjs <file>`
// reads one. Measurement only: it wraps http.Server#emit and ioredis' sendCommand.
const { writeFileSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { PerformanceObserver, performance } = require('node:perf_hooks');

const afterMs = Number(process.env.BENCH_TAIL_AFTER_SECONDS ?? 20) * 1000;
const forMs = Number(process.env.BENCH_TAIL_SECONDS ?? 10) * 1000;
const dir = process.env.BENCH_TAIL_DIR ?? '/tmp';
const STALL_MS = 3;

let recording = false;
const requests = []; // [arrivedAt, headAt, ownMs]
const scripts = []; // [sentAt, answeredAt]
const gcs = []; // [startAt, durationMs, kind]
const stalls = []; // [fromAt, lengthMs]

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (name, request, response) {
  if (recording && name === 'request' && request.method === 'POST') {
    const arrivedAt = performance.now();
    const writeHead = response.writeHead;
    response.writeHead = function (...args) {
      const result = writeHead.apply(this, args);
      const headers = args.find((arg) => arg !== null && typeof arg === 'object') ?? {};
      const own = Number(headers['x-cch-overhead-ms'] ?? this.getHeader('x-cch-overhead-ms'));
      if (Number.isFinite(own)) requests.push([arrivedAt, performance.now(), own]);
      return result;
    };
  }
  return emit.apply(this, arguments);
};

try {
  const ioredis = require(require.resolve('ioredis', { paths: [process.cwd()] }));
  const Redis = ioredis.default ?? ioredis;
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (command, stream) {
    const promise = send.call(this, command, stream);
    if (recording && command.name === 'evalsha') {
      const sentAt = performance.now();
      promise.then(
        () => scripts.push([sentAt, performance.now()]),
        () => undefined,
      );
    }
    return promise;
  };
} catch (error) {
  process.stderr.write(`tail-attribution: ioredis not found (${error.message})\n`);
}

new PerformanceObserver((list) => {
  if (!recording) return;
  for (const entry of list.getEntries())
    gcs.push([entry.startTime, entry.duration, entry.detail?.kind]);
}).observe({ entryTypes: ['gc'] });

let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (recording && now - lastTick > STALL_MS) stalls.push([lastTick, now - lastTick]);
  lastTick = now;
}, 1).unref();

setTimeout(() => {
  recording = true;
  setTimeout(() => {
    recording = false;
    const file = join(dir, `tail-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ requests, scripts, gcs, stalls }));
    process.stderr.write(`tail-attribution: wrote ${file}\n`);
  }, forMs).unref();
}, afterMs).unref();
