import cluster from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

const REQUEST = 'cch:cluster-metrics-request';
const RESPONSE = 'cch:cluster-metrics-response';
/** A scrape must answer even if a worker is stuck or dying: then it shows its own metrics. */
const AGGREGATE_TIMEOUT_MS = 1_500;

interface ClusterMetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

function isMessage(value: unknown, type: string): value is ClusterMetricsMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === type &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

/**
 * Primary: a worker that is scraped asks here; prom-client's own cluster protocol collects every
 * worker's registry and the sum (or the metric's own aggregator) goes back to the asking worker.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message, REQUEST)) return;
    // The asking worker may be gone by the time the answer is ready: a send callback turns that
    // into a no-op instead of an 'error' event.
    const reply = (answer: ClusterMetricsMessage): void => {
      if (worker.isConnected()) worker.send(answer, () => undefined);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ type: RESPONSE, id: message.id, text }),
      (error: unknown) => reply({ type: RESPONSE, id: message.id, error: String(error) }),
    );
  });
}

let nextId = 0;

/**
 * Worker side: registers this process's registry for aggregation. Returns a function giving the
 * whole cluster's exposition, or null when the primary did not answer in time; null too in a
 * process that is not a cluster fork.
 */
export function clusterMetricsSource(registry: Registry): (() => Promise<string | null>) | null {
  if (!cluster.isWorker || typeof process.send !== 'function') return null;
  // Constructing one installs prom-client's worker-side listener; ours answers from `registry`.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  return () =>
    new Promise((resolve) => {
      const id = (nextId += 1);
      const timer = setTimeout(() => finish(null), AGGREGATE_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (isMessage(message, RESPONSE) && message.id === id) finish(message.text ?? null);
      };
      const finish = (text: string | null): void => {
        clearTimeout(timer);
        process.off('message', onMessage);
        resolve(text);
      };
      process.on('message', onMessage);
      process.send?.({ type: REQUEST, id });
    });
}
