import 'dotenv/config';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

// The TypeORM CLI entry (`npm run migration:*`). Only DATABASE_URL is needed here.
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  throw new Error('DATABASE_URL is not set (put it in .env or the environment)');
}

export default new DataSource(buildDataSourceOptions(databaseUrl));
