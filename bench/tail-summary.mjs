// Reads a file of bench/tail-attribution.cjs and says what the slowest 2 % of requests (by CCH's
// own time) overlapped: a GC pause, an event-loop stall, or a limits script whose round trip was
// more than half of the request's own time.
//   node bench/tail-summary.mjs /tmp/tail-<pid>.json
import { readFileSync } from 'node:fs';

const { requests, scripts, gcs, stalls } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
const ms = (value) => (value === undefined ? '–' : value.toFixed(2));
const overlaps =
  (from, to) =>
  ([start, length]) =>
    start < to && start + length > from;

const own = requests.map(([, , value]) => value).sort((a, b) => a - b);
console.log(
  `requests ${requests.length}: own p50 ${ms(quantile(own, 0.5))}, p90 ${ms(quantile(own, 0.9))}, ` +
    `p99 ${ms(quantile(own, 0.99))}, p99.9 ${ms(quantile(own, 0.999))} ms`,
);
const trips = scripts.map(([sent, answered]) => answered - sent).sort((a, b) => a - b);
console.log(
  `limits scripts ${trips.length}: round trip p50 ${ms(quantile(trips, 0.5))}, ` +
    `p99 ${ms(quantile(trips, 0.99))}, p99.9 ${ms(quantile(trips, 0.999))} ms`,
);
const minor = gcs.filter(([, , kind]) => kind === 1);
const pauses = gcs.map(([, duration]) => duration);
console.log(
  `GC pauses ${gcs.length} (${minor.length} scavenges), mean ${ms(pauses.reduce((a, b) => a + b, 0) / Math.max(1, pauses.length))} ms; ` +
    `event-loop stalls over 3 ms: ${stalls.length}`,
);

const threshold = quantile(own, 0.98);
const slow = requests.filter(([, , value]) => value >= threshold);
const counts = { gc: 0, stall: 0, script: 0, none: 0 };
for (const [arrived, head, value] of slow) {
  const gc = gcs.some(overlaps(arrived, head));
  const stall = stalls.some(overlaps(arrived, head));
  const longest = Math.max(
    0,
    ...scripts
      .filter(([sent, answered]) => sent >= arrived && answered <= head + 0.5)
      .map(([sent, answered]) => answered - sent),
  );
  const script = longest > value / 2;
  if (gc) counts.gc += 1;
  if (stall) counts.stall += 1;
  if (script) counts.script += 1;
  if (!gc && !stall && !script) counts.none += 1;
}
console.log(
  `slowest 2 % (own ≥ ${ms(threshold)} ms): ${slow.length} requests; overlapping a GC pause ${counts.gc}, ` +
    `an event-loop stall ${counts.stall}; a limits script round trip over half the own time ${counts.script}; ` +
    `none of these ${counts.none}`,
);
