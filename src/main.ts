import 'reflect-metadata';
import 'dotenv/config';
import cluster from 'node:cluster';
import { createRootLogger } from './common/logging/logger';
import { serveClusterMetrics } from './cluster/cluster-metrics';
import { clusterSlot, gatewayWorkerCount, runClusterPrimary } from './cluster/gateway-cluster';
import { effectiveScheduling } from './cluster/reuse-port';
import { PortUnavailableError, reservePort } from './cluster/port-reservation';
import { AppConfig } from './config/app-config';
import { applyHeapGrowingPercent } from './runtime/heap-growing';
import { missingSemiSpaceFlag, parseSemiSpaceSetting } from './runtime/young-generation';
import { RESTARTED_WITH_ENV, restartWithNodeFlags } from './runtime/restart-with-flags';
import { EnvValidationError, loadEnv } from './config/load-env';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = new AppConfig(loadEnv());
  } catch (error: unknown) {
    if (error instanceof EnvValidationError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }
  const workers = gatewayWorkerCount(config.env.GATEWAY_WORKERS, config.env.CCH_ROLES);
  const semiSpaceFlag = missingSemiSpaceFlag(
    parseSemiSpaceSetting(config.env.V8_MAX_SEMI_SPACE_MB),
  );
  // A single process sizes its young generation the only way V8 allows: by starting again with
  // the flag (same pid). Cluster forks get it from the primary instead.
  const clusterPrimary = cluster.isPrimary && workers > 1;
  const singleProcess = cluster.isPrimary && !clusterPrimary;
  if (singleProcess && semiSpaceFlag) restartWithNodeFlags([semiSpaceFlag]);
  // Before the application allocates anything long-lived: every process, primary and forks alike.
  const heapGrowing = applyHeapGrowingPercent(config.env.V8_HEAP_GROWING_PERCENT, process.execArgv);
  const forkExecArgv = semiSpaceFlag ? [semiSpaceFlag] : [];
  const scheduling = effectiveScheduling(config.env.GATEWAY_CLUSTER_SCHEDULING);
  if (clusterPrimary) {
    // The primary loads no application: it forks the gateway workers and supervises them.
    const logger = createRootLogger(config.env.LOG_LEVEL).child({ cluster: 'primary' });
    const port = await reservePort(config.env.HOST, config.env.PORT);
    logger.info(
      { forkExecArgv },
      `CCH cluster primary: ${workers} gateway workers, ${scheduling} scheduling`,
    );
    serveClusterMetrics();
    runClusterPrimary({
      workers,
      port,
      roles: config.env.CCH_ROLES,
      scheduling,
      forkExecArgv,
      log: (message) => logger.warn(message),
    });
    return;
  }
  // Loaded only here: a restart above, and the cluster primary, need none of the application.
  const { createApp } = await import('./bootstrap');
  const { app, logger } = await createApp(config);
  const slot = clusterSlot();
  if (singleProcess && semiSpaceFlag) {
    // Still without the flag: this Node cannot restart itself (process.execve, Node ≥ 22.15).
    logger.warn(
      `V8_MAX_SEMI_SPACE_MB: Node ${process.versions.node} cannot restart itself with ` +
        `${semiSpaceFlag}; start this single process with NODE_OPTIONS=${semiSpaceFlag} ` +
        `to get it (see README, Performance)`,
    );
  }
  // `reuseport`: each fork listens on a socket of its own (Node then bypasses the primary).
  const ownSocket = slot !== null && scheduling === 'reuseport';
  await app.listen({
    port: config.env.PORT,
    host: config.env.HOST,
    ...(ownSocket ? { reusePort: true } : {}),
  });
  logger.info(
    {
      roles: config.env.CCH_ROLES,
      port: config.env.PORT,
      heapGrowing,
      ...(slot === null ? {} : { slot }),
      ...(process.env[RESTARTED_WITH_ENV]
        ? { restartedWith: process.env[RESTARTED_WITH_ENV] }
        : {}),
    },
    `CCH listening on http://${config.env.HOST}:${config.env.PORT}`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof PortUnavailableError) {
    process.stderr.write(`CCH failed to start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `CCH failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
