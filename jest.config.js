/**
 * Three projects: `unit` (pure code, no I/O), `integration` (real Postgres, Redis, BullMQ and
 * HTTP) and `browser` (the console in chromium against a real app). Type checking happens in
 * `npm run typecheck`; here ts-jest only transpiles, for speed.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }],
  '^.+\\.m?js$': '<rootDir>/test/support/esm-package-transformer.js',
};
/** Every dependency goes through the transformer, which only touches ESM-only files. */
const transformIgnorePatterns = [];
module.exports = {
  // Jest reads the timeout from the top level only; integration tests talk to real services.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFiles: ['<rootDir>/test/support/test-env.ts'],
    },
    {
      // The console in a real browser (Debian chromium via playwright-core) against a real app.
      displayName: 'browser',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFiles: ['<rootDir>/test/support/test-env.ts'],
    },
  ],
};
