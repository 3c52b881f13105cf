import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { clusterMetricsSource } from '../cluster/cluster-metrics';
import { clusterSlot } from '../cluster/gateway-cluster';

/** Seconds; spans a fast non-streaming answer up to a long agentic stream. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Seconds until the first content byte; tighter, since this is what users feel. */
const TTFB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];

/** Seconds of CCH's own time per answer: sub-millisecond is the normal case. */
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Every metric CCH exports, registered once per process on one registry. */
export interface CchMetrics {
  registry: Registry;
  requests: Counter<'route' | 'client' | 'provider' | 'status'>;
  requestDuration: Histogram<'route' | 'client'>;
  timeToFirstByte: Histogram<'route' | 'provider'>;
  gatewayOverhead: Histogram<'route' | 'conversion'>;
  upstreamErrors: Counter<'provider' | 'class'>;
  upstreamAttempts: Counter<'provider' | 'outcome'>;
  breakerState: Gauge<'provider'>;
  queueDepth: Gauge<'queue'>;
  queueOldestAge: Gauge<'queue'>;
  usageSpooled: Counter;
  usageWritten: Counter<'destination'>;
  admissionAhead: Counter<'outcome'>;
  degraded: Counter<'control' | 'mode' | 'dependency'>;
  dependencyUp: Gauge<'dependency'>;
  processInfo: Gauge<'pid' | 'slot' | 'roles'>;
  /** In a cluster fork: every worker's metrics, aggregated by the primary (null: no answer). */
  clusterExposition: (() => Promise<string | null>) | null;
}

/**
 * Read from Redis on scrape by the worker that answers it, or about that very process: shown as
 * that worker has them, never summed over a cluster's workers.
 */
export const WORKER_LOCAL_METRICS = [
  'cch_process_info',
  'cch_breaker_state',
  'cch_queue_depth',
  'cch_queue_oldest_age_seconds',
  'cch_dependency_up',
] as const;

let singleton: CchMetrics | null = null;

/**
 * The process-wide metrics. prom-client refuses a second metric of the same name on a registry,
 * and a process may build more than one Nest application (tests do), so the registry and its
 * metrics are created once and shared by every MetricsService of the process.
 */
export function cchMetrics(): CchMetrics {
  singleton ??= createMetrics();
  return singleton;
}

function createMetrics(): CchMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const processInfo = new Gauge({
    name: 'cch_process_info',
    help:
      'Always 1: the process that answered this scrape, by pid, GATEWAY_WORKERS slot ' +
      '("single" without a cluster) and roles.',
    labelNames: ['pid', 'slot', 'roles'],
    registers,
    aggregator: 'omit',
  });
  const slot = clusterSlot();
  processInfo.set(
    {
      pid: String(process.pid),
      slot: slot === null ? 'single' : String(slot),
      // As configured for this process (a cluster fork gets its own, see rolesOfSlot).
      roles: process.env.CCH_ROLES ?? 'gateway,admin,worker',
    },
    1,
  );
  return {
    registry,
    requests: new Counter({
      name: 'cch_requests_total',
      help: 'Metered proxy requests, by client protocol (route), client, serving provider and outcome.',
      labelNames: ['route', 'client', 'provider', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'cch_request_duration_seconds',
      help: 'Wall time of metered proxy requests, from arrival to the last byte.',
      labelNames: ['route', 'client'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    timeToFirstByte: new Histogram({
      name: 'cch_time_to_first_byte_seconds',
      help: 'Time from arrival until the serving provider sent its first byte.',
      labelNames: ['route', 'provider'],
      buckets: TTFB_BUCKETS,
      registers,
    }),
    gatewayOverhead: new Histogram({
      name: 'cch_gateway_overhead_seconds',
      help: 'Time CCH itself spent before an answer went out, upstream waits excluded (x-cch-overhead-ms).',
      labelNames: ['route', 'conversion'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'cch_upstream_errors_total',
      help: 'Proxy requests that ended in an error, by the provider last tried and the error class.',
      labelNames: ['provider', 'class'],
      registers,
    }),
    upstreamAttempts: new Counter({
      name: 'cch_upstream_attempts_total',
      help: 'Every provider attempt, failed-over ones included: "ok" or the failure class.',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'cch_breaker_state',
      help: 'Circuit breaker of each enabled provider: 0 closed, 1 half-open, 2 open.',
      labelNames: ['provider'],
      registers,
      aggregator: 'omit',
    }),
    queueDepth: new Gauge({
      name: 'cch_queue_depth',
      help: 'Jobs waiting (including prioritized and delayed ones) in each BullMQ queue.',
      labelNames: ['queue'],
      registers,
      aggregator: 'omit',
    }),
    queueOldestAge: new Gauge({
      name: 'cch_queue_oldest_age_seconds',
      help: 'Age of the oldest waiting job of each BullMQ queue (0 when none waits).',
      labelNames: ['queue'],
      registers,
      aggregator: 'omit',
    }),
    usageSpooled: new Counter({
      name: 'cch_usage_records_spooled_total',
      help: 'Usage records written to the local spool because Redis and Postgres were both down.',
      registers,
    }),
    processInfo,
    clusterExposition: clusterMetricsSource(registry),
    usageWritten: new Counter({
      name: 'cch_usage_records_written_total',
      help: 'Usage records handed to the ledger, by the path they took (queue, database, spool).',
      labelNames: ['destination'],
      registers,
    }),
    admissionAhead: new Counter({
      name: 'cch_limits_admission_ahead_total',
      help: 'LIMITS_ADMIT_AHEAD: requests that took an admission made ahead (taken), needed another (unfit) or found none (missing), and admissions withdrawn unused (expired).',
      labelNames: ['outcome'],
      registers,
    }),
    degraded: new Counter({
      name: 'cch_degraded_total',
      help: 'Operations a control did in degraded mode (fail_open, fail_closed, fallback) because Redis or Postgres failed.',
      labelNames: ['control', 'mode', 'dependency'],
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'cch_dependency_up',
      help: 'Whether this process reached the dependency at the last scrape (1) or not (0).',
      labelNames: ['dependency'],
      registers,
      aggregator: 'omit',
    }),
  };
}
