import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { TEST_ENV } from './test-env';

/** Recreates the test database from the real migrations and empties the test Redis database. */
export default async function globalSetup(): Promise<void> {
  const databaseName = new URL(TEST_ENV.DATABASE_URL).pathname.slice(1);
  if (!databaseName.includes('test')) {
    throw new Error(`Refusing to reset database "${databaseName}": its name lacks "test"`);
  }
  const admin = new Client({ connectionString: TEST_ENV.ADMIN_PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await admin.end();
  }

  const dataSource = await new DataSource(
    buildDataSourceOptions(TEST_ENV.DATABASE_URL),
  ).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }

  const redis = new Redis(TEST_ENV.REDIS_URL);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}
