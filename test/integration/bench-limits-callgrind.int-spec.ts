import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench:limits` with BENCH_LIMITS_CALLGRIND=1: a private redis-server under valgrind's
 * callgrind, counting only the measured admit + settle pairs (the CCH build under test is this
 * checkout's dist/, which CI builds before the tests).
 */
const SCRIPT = join(__dirname, '..', '..', 'bench', 'limits-redis.mjs');

describe('bench:limits under callgrind', () => {
  let lockDir: string;

  beforeAll(() => {
    // A lock of its own, so a bench running on the machine neither blocks nor is blocked.
    lockDir = mkdtempSync(join(tmpdir(), 'cch-bench-lock-'));
  });

  afterAll(() => rmSync(lockDir, { recursive: true, force: true }));

  function instructionsPerPair(requests: number): number {
    const run = spawnSync(process.execPath, [SCRIPT], {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        BENCH_LOCK_DIR: lockDir,
        BENCH_LIMITS_CALLGRIND: '1',
        BENCH_LIMITS_REQUESTS: String(requests),
        BENCH_LIMITS_RPM_FILL: '100',
        BENCH_LIMITS_CONCURRENCY: '2',
      },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const count = /Redis instructions per admit \+ settle \(callgrind\): (\d+)/.exec(run.stdout);
    expect(count).not.toBeNull();
    return Number(count?.[1]);
  }

  it('should count the instructions of the measured pairs only', () => {
    const short = instructionsPerPair(100);
    const long = instructionsPerPair(200);
    // An admit + settle pair costs Redis hundreds of thousands of instructions.
    expect(short).toBeGreaterThan(50_000);
    expect(short).toBeLessThan(5_000_000);
    // Were the 220 warm-up pairs counted too, the short run's share per pair would be ~2x.
    expect(Math.abs(short - long) / long).toBeLessThan(0.1);
  });
});
