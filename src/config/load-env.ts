import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvSchema } from './env.schema';

export class EnvValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EnvValidationError';
  }
}

/** Validates the raw environment; throws an error that names every bad variable. */
export function loadEnv(raw: NodeJS.ProcessEnv = process.env): EnvSchema {
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(EnvSchema, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const problems = errors.map((error) => {
      const messages = Object.values(error.constraints ?? {});
      return `${error.property}: ${messages.join('; ') || 'invalid value'}`;
    });
    throw new EnvValidationError(problems);
  }
  return env;
}
