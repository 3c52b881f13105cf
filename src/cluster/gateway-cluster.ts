import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ProcessRole } from '../config/env.schema';
import { EffectiveScheduling } from './reuse-port';

/** Set by the primary on each fork: its stable slot (0…n-1), kept across re-forks. */
export const CLUSTER_SLOT_ENV = 'CCH_CLUSTER_SLOT';

/** A fork that dies sooner than this after starting is re-forked only after a back-off. */
const QUICK_DEATH_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;

/** How many gateway processes to run: `GATEWAY_WORKERS`, 0 meaning one per core. */
export function gatewayWorkerCount(configured: number, roles: readonly ProcessRole[]): number {
  // Only the gateway serves traffic worth spreading over cores; the others run once.
  if (!roles.includes('gateway')) return 1;
  return configured === 0 ? Math.max(1, availableParallelism()) : configured;
}

/**
 * The roles of one fork. The BullMQ processors (the `worker` role: usage writer, provider health
 * sweep) run in slot 0 only, so a host runs them once whatever the fork count; slot 0 is
 * re-forked into the same slot when it dies, so they come back with it.
 */
export function rolesOfSlot(roles: readonly ProcessRole[], slot: number): ProcessRole[] {
  return slot === 0 ? [...roles] : roles.filter((role) => role !== 'worker');
}

/** This process's slot when it is a cluster fork, else null (a single process). */
export function clusterSlot(env: NodeJS.ProcessEnv = process.env): number | null {
  if (!cluster.isWorker) return null;
  const slot = Number(env[CLUSTER_SLOT_ENV]);
  return Number.isInteger(slot) && slot >= 0 ? slot : null;
}

export interface ClusterOptions {
  workers: number;
  /** The port every fork listens on, reserved by the primary (see `reservePort`). */
  port: number;
  roles: readonly ProcessRole[];
  /** `GATEWAY_CLUSTER_SCHEDULING`, `auto` decided: how connections reach the workers. */
  scheduling: EffectiveScheduling;
  /** Node flags every fork gets on top of the primary's own (see `missingSemiSpaceFlag`). */
  forkExecArgv: readonly string[];
  log: (message: string) => void;
}

/**
 * The primary of a gateway cluster: it only forks and supervises. The forks share the listening
 * port (node:cluster hands them connections); everything they must agree on (limits, breakers,
 * sessions, key cache invalidations, the usage queue) already lives in Redis and Postgres.
 *
 * - A fork that exits while the primary is not shutting down is re-forked in the same slot.
 * - SIGTERM is forwarded to every fork, which drains its requests in flight and records their
 *   usage (GracefulShutdown); the primary exits 0 once all forks have exited, 1 if any of them
 *   failed. SIGINT is not forwarded: a terminal's Ctrl-C already reaches the whole process group,
 *   and a second signal would end a fork mid-drain (Nest handles only the first one).
 */
export function runClusterPrimary(options: ClusterOptions): void {
  const slots = new Map<number, { worker: Worker; startedAt: number; backoffMs: number }>();
  let stopping = false;
  let failed = false;
  // Before the first fork: Node fixes the policy when the primary starts its first worker.
  // With `reuseport` the forks listen on sockets of their own and the policy is never used.
  cluster.schedulingPolicy =
    options.scheduling === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...options.forkExecArgv] });

  const fork = (slot: number, backoffMs: number): void => {
    const worker = cluster.fork({
      PORT: String(options.port),
      [CLUSTER_SLOT_ENV]: String(slot),
      CCH_ROLES: rolesOfSlot(options.roles, slot).join(','),
    });
    slots.set(slot, { worker, startedAt: Date.now(), backoffMs });
    // A message sent to a fork that just died (a metrics aggregation racing a SIGKILL) fails with
    // an 'error' event; unhandled, it would take the primary and every other fork down with it.
    worker.on('error', (error: Error) => options.log(`gateway worker ${slot}: ${error.message}`));
    worker.on('exit', (code, signal) => {
      const entry = slots.get(slot);
      if (entry?.worker === worker) slots.delete(slot);
      if (stopping) {
        // A fork still booting when the SIGTERM came has no handler yet and dies of it: fine.
        if (code !== 0 && signal !== 'SIGTERM') failed = true;
        if (slots.size === 0) process.exit(failed ? 1 : 0);
        return;
      }
      const lived = Date.now() - (entry?.startedAt ?? 0);
      // Crash loops (bad config, database down at boot) back off instead of spinning.
      const delay = lived < QUICK_DEATH_MS ? Math.min(MAX_BACKOFF_MS, backoffMs * 2 || 500) : 0;
      options.log(
        `gateway worker ${slot} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); re-forking${delay ? ` in ${delay} ms` : ''}`,
      );
      setTimeout(() => {
        if (!stopping) fork(slot, delay);
      }, delay);
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    options.log(`${signal}: stopping ${slots.size} gateway worker(s)`);
    if (slots.size === 0) process.exit(0);
    if (signal !== 'SIGTERM') return;
    for (const { worker } of slots.values()) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let slot = 0; slot < options.workers; slot += 1) fork(slot, 0);
}
