import { EnvSchema, ProcessRole } from './env.schema';

/** The validated configuration, injected wherever settings are needed. */
export class AppConfig {
  constructor(readonly env: EnvSchema) {}

  hasRole(role: ProcessRole): boolean {
    return this.env.CCH_ROLES.includes(role);
  }
}
