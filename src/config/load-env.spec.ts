import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { reusePortSupported } from '../cluster/reuse-port';
import { EnvSchema } from './env.schema';
import { EnvValidationError, loadEnv } from './load-env';

const VALID = {
  DATABASE_URL: 'postgres://u@localhost/db',
  REDIS_URL: 'redis://localhost:6379',
  ADMIN_TOKEN: 'x'.repeat(32),
  MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
};

function problemsOf(raw: Record<string, string>): string[] {
  try {
    loadEnv(raw);
  } catch (error: unknown) {
    if (error instanceof EnvValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadEnv', () => {
  it('should apply defaults when only the required variables are set', () => {
    const env = loadEnv(VALID);
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.CCH_ROLES).toEqual(['gateway', 'admin', 'worker']);
  });

  it('should parse PORT and CCH_ROLES from strings', () => {
    const env = loadEnv({ ...VALID, PORT: '8080', CCH_ROLES: 'worker, admin' });
    expect(env.PORT).toBe(8080);
    expect(env.CCH_ROLES).toEqual(['worker', 'admin']);
  });

  it('should name every missing required variable', () => {
    const problems = problemsOf({});
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'MASTER_KEY']) {
      expect(problems.some((line) => line.startsWith(`${name}:`))).toBe(true);
    }
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['MASTER_KEY', 'too-short'],
    ['MASTER_KEY', Buffer.alloc(16).toString('hex')],
    ['ADMIN_TOKEN', 'short'],
    ['CCH_ROLES', 'gateway,janitor'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
  ])('should refuse %s=%s and name the variable', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}:`));
  });

  it('should take each GATEWAY_CLUSTER_SCHEDULING, reuseport only where Node supports it', () => {
    expect(loadEnv(VALID).GATEWAY_CLUSTER_SCHEDULING).toBe('auto');
    for (const value of ['auto', 'round-robin', 'os']) {
      expect(
        loadEnv({ ...VALID, GATEWAY_CLUSTER_SCHEDULING: value }).GATEWAY_CLUSTER_SCHEDULING,
      ).toBe(value);
    }
    expect(problemsOf({ ...VALID, GATEWAY_CLUSTER_SCHEDULING: 'random' })).toHaveLength(1);
    const reuse = problemsOf({ ...VALID, GATEWAY_CLUSTER_SCHEDULING: 'reuseport' });
    if (reusePortSupported()) {
      expect(reuse).toEqual([]);
    } else {
      // Refused at start, with the reason, instead of silently sharing one socket.
      expect(reuse).toEqual([
        expect.stringMatching(
          new RegExp(
            `^GATEWAY_CLUSTER_SCHEDULING: .*reuseport needs Node ≥ 22\\.12.*this is Node ${process.versions.node.replace(/\./g, '\\.')}`,
          ),
        ),
      ]);
    }
  });

  it('should fix V8_HEAP_GROWING_PERCENT at 100 by default and take 0 to 300', () => {
    expect(loadEnv(VALID).V8_HEAP_GROWING_PERCENT).toBe(100);
    expect(loadEnv({ ...VALID, V8_HEAP_GROWING_PERCENT: '0' }).V8_HEAP_GROWING_PERCENT).toBe(0);
    expect(loadEnv({ ...VALID, V8_HEAP_GROWING_PERCENT: '300' }).V8_HEAP_GROWING_PERCENT).toBe(300);
    for (const bad of ['-1', '301', '1.5', 'lots']) {
      expect(problemsOf({ ...VALID, V8_HEAP_GROWING_PERCENT: bad })).toEqual([
        expect.stringMatching(/^V8_HEAP_GROWING_PERCENT: /),
      ]);
    }
  });

  it('should take V8_MAX_SEMI_SPACE_MB as auto (the default) or whole megabytes', () => {
    expect(loadEnv(VALID).V8_MAX_SEMI_SPACE_MB).toBe('auto');
    for (const value of ['auto', '0', '8', '64']) {
      expect(loadEnv({ ...VALID, V8_MAX_SEMI_SPACE_MB: value }).V8_MAX_SEMI_SPACE_MB).toBe(value);
    }
    for (const bad of ['-1', '8.5', 'big', '12345']) {
      expect(problemsOf({ ...VALID, V8_MAX_SEMI_SPACE_MB: bad })).toEqual([
        'V8_MAX_SEMI_SPACE_MB: V8_MAX_SEMI_SPACE_MB must be auto or a whole number of megabytes',
      ]);
    }
  });

  it('should accept a hex MASTER_KEY', () => {
    expect(() => loadEnv({ ...VALID, MASTER_KEY: 'ab'.repeat(32) })).not.toThrow();
  });
});

describe('.env.example', () => {
  it('should document exactly the variables EnvSchema reads', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const documented = example
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    const schemaKeys = [
      ...new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(EnvSchema, '', true, false)
          .map((metadata) => metadata.propertyName),
      ),
    ].sort();
    expect(documented).toEqual(schemaKeys);
  });
});
