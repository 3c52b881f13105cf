import { EnvSchema } from '../config/env.schema';

/** The bearer token `/metrics` requires, or null when it is open. */
export function metricsToken(env: EnvSchema): string | null {
  return env.METRICS_TOKEN ?? null;
}

/** How long shutdown waits for requests in flight (streams) before cutting them. */
export function shutdownGraceMs(env: EnvSchema): number {
  return env.SHUTDOWN_GRACE_MS;
}
