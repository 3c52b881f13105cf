import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * One definition for the app, the migration CLI and tests. `synchronize` is never on: the schema
 * changes only through migrations in /migrations.
 */
export function buildDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    // Compiled (dist/migrations/*.js) or source (migrations/*.ts), whichever is running.
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: 5_000 },
  };
}
