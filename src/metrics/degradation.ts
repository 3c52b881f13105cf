import { Logger } from '@nestjs/common';
import { cchMetrics } from './metrics-registry';

/** The controls that keep working (or refuse on purpose) when Redis or Postgres is unreachable. */
export type DegradedControl =
  | 'auth'
  | 'key_invalidation'
  | 'limits'
  | 'stickiness'
  | 'breaker'
  | 'admin_auth_limiter'
  | 'usage_queue'
  | 'provider_directory'
  | 'price_catalog'
  | 'provider_health'
  | 'admin_api';

/**
 * What the control did instead of its normal work: `fail_open` skips the check and serves,
 * `fail_closed` refuses the request with a 503, `fallback` serves from another source (Postgres
 * instead of the Redis cache, the last provider snapshot, the database or spool instead of the
 * queue).
 */
export type DegradationMode = 'fail_open' | 'fail_closed' | 'fallback';

export type Dependency = 'redis' | 'postgres';

/** One warn line per control and mode at most this often, however hard an outage hits. */
export const DEGRADATION_LOG_INTERVAL_MS = 30_000;

interface LogState {
  lastLoggedAt: number;
  suppressed: number;
}

const logger = new Logger('Degradation');
const logStates = new Map<string, LogState>();
/** `control:dependency` pairs degraded since they last worked normally, for one "recovered" line. */
const degradedSince = new Map<string, number>();

/**
 * Records that `control` could not do its normal work because `dependency` failed, and what it did
 * instead: always counted (`cch_degraded_total{control,mode,dependency}`), logged as one warn line
 * per control and mode every 30 s at most (with how many occurrences the previous interval hid).
 * The line names the control, the mode and the error's class and message only: never a key,
 * a request body or a command argument. Never throws.
 */
export function reportDegradation(
  control: DegradedControl,
  mode: DegradationMode,
  dependency: Dependency,
  consequence: string,
  error?: unknown,
  now = Date.now(),
): void {
  try {
    cchMetrics().degraded.inc({ control, mode, dependency });
    const pair = `${control}:${dependency}`;
    if (!degradedSince.has(pair)) degradedSince.set(pair, now);
    const id = `${pair}:${mode}`;
    const state = logStates.get(id);
    if (state && now - state.lastLoggedAt < DEGRADATION_LOG_INTERVAL_MS) {
      state.suppressed += 1;
      return;
    }
    const hidden =
      state && state.suppressed > 0 ? ` (${state.suppressed} more since last line)` : '';
    logStates.set(id, { lastLoggedAt: now, suppressed: 0 });
    logger.warn(
      `degraded control=${control} mode=${mode} dependency=${dependency}: ${consequence}${hidden}${describe(error)}`,
    );
  } catch {
    // Reporting must never turn a handled outage into a failed request.
  }
}

/**
 * The control reached `dependency` normally again: logs one info line if it had degraded, and
 * the next outage logs its first line at once. Cheap enough for hot paths (one map lookup).
 */
export function reportRecovery(
  control: DegradedControl,
  dependency: Dependency,
  now = Date.now(),
): void {
  if (degradedSince.size === 0) return;
  const pair = `${control}:${dependency}`;
  const since = degradedSince.get(pair);
  if (since === undefined) return;
  degradedSince.delete(pair);
  for (const id of logStates.keys()) {
    if (id.startsWith(`${pair}:`)) logStates.delete(id);
  }
  try {
    logger.log(
      `recovered control=${control} dependency=${dependency} after ${Math.max(0, now - since)} ms degraded`,
    );
  } catch {
    // As above.
  }
}

/** Error class, code and first line of the message; bounded, never stack or command arguments. */
function describe(error: unknown): string {
  if (typeof error === 'string') return `: ${error.slice(0, 200)}`;
  if (error === null || typeof error !== 'object') return '';
  // Duck-typed: errors of Node's own sockets may come from another realm than `Error`.
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  const firstLine = typeof message === 'string' ? (message.split('\n')[0] ?? '') : '';
  return `: ${typeof name === 'string' ? name : 'Error'}${typeof code === 'string' ? ` ${code}` : ''} ${firstLine.slice(0, 200)}`;
}
