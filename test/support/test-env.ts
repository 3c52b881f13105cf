/**
 * Environment of the integration tests: a database of their own (its name must contain `test`;
 * global setup recreates it) and a Redis database number of their own on the machine's Redis.
 */
const pgBase = process.env.TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432';

export const TEST_ENV = {
  NODE_ENV: 'test',
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? `${pgBase}/cch_test`,
  ADMIN_PG_URL: `${pgBase}/postgres`,
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  ADMIN_TOKEN: 'test-admin-token-that-is-long-enough-000',
  MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  CCH_ROLES: 'gateway,admin,worker',
  // One process per replica unless a test asks for a cluster (gateway-cluster.int-spec.ts).
  GATEWAY_WORKERS: '1',
  HEALTH_CHECK_INTERVAL_SECONDS: '3600',
  // Suites share one IP and Redis database: only the hardening test runs with the real threshold.
  ADMIN_AUTH_MAX_FAILURES: '100000',
  // The fake upstreams listen on the loopback interface, which the egress guard refuses unless
  // allow-listed (NODE_ENV=test, like production, permits nothing by default).
  EGRESS_ALLOWLIST: '127.0.0.1/32,::1/128,localhost',
};

for (const [name, value] of Object.entries(TEST_ENV)) {
  process.env[name] = value;
}
