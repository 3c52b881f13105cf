// The machine's own Redis round trip while a run is on: a PING every BENCH_REDIS_PROBE_MS (2) on
// a connection of its own, one at a time, from a process that does nothing else. CCH's admission
// is one Redis round trip on every request's path, so this says how much of CCH's tail is the
// machine (Redis and the probe waiting for a core), not CCH.
//
// Protocol (stdin/stdout, one line each): "start" clears the samples, "stop" prints
// `PROBE {"n":…,"p50":…,"p99":…,"p999":…,"max":…}` (milliseconds). Exits when stdin closes.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
const intervalMs = Number(process.env.BENCH_REDIS_PROBE_MS ?? 2);

const socket = connect(Number(url.port || 6379), url.hostname);
socket.setNoDelay(true);
let samples = [];
let sentAt = 0;
socket.on('data', () => {
  if (sentAt > 0) samples.push(performance.now() - sentAt);
  sentAt = 0;
});
socket.on('error', (error) => {
  process.stderr.write(`redis probe: ${error.message}\n`);
  process.exit(1);
});
socket.once('connect', () => process.stdout.write('READY\n'));

const timer = setInterval(() => {
  if (sentAt > 0 || !socket.writable) return; // one PING at a time: a slow reply is one sample
  sentAt = performance.now();
  socket.write('PING\r\n');
}, intervalMs);

function summary() {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? null;
  const round = (value) => (value === null ? null : Math.round(value * 1000) / 1000);
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(sorted.at(-1) ?? null),
  };
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'start') samples = [];
    if (line === 'stop') process.stdout.write(`PROBE ${JSON.stringify(summary())}\n`);
  })
  .on('close', () => {
    clearInterval(timer);
    socket.destroy();
  });
