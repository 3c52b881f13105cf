import 'reflect-metadata';
import 'dotenv/config';
import { createApp } from './bootstrap';
import { AppConfig } from './config/app-config';
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
  const { app, logger } = await createApp(config);
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  logger.info(
    { roles: config.env.CCH_ROLES, port: config.env.PORT },
    `CCH listening on http://${config.env.HOST}:${config.env.PORT}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `CCH failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
