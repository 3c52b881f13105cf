import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The bench scripts' machine-wide lock (bench/bench-lock.mjs), with real processes: a bench
 * started while another one runs must stop before it touches the shared bench database.
 */
const LOCK_MODULE = join(__dirname, '..', '..', 'bench', 'bench-lock.mjs');

describe('bench lock', () => {
  let lockDir: string;
  let holder: ChildProcess | null = null;

  beforeEach(() => {
    lockDir = mkdtempSync(join(tmpdir(), 'cch-bench-lock-'));
  });

  afterEach(() => {
    holder?.kill('SIGKILL');
    holder = null;
    rmSync(lockDir, { recursive: true, force: true });
  });

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, BENCH_LOCK_DIR: lockDir });

  /** A process that takes the lock as `script` and then waits until killed. */
  async function startHolder(script: string): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireBenchLock } from ${JSON.stringify(LOCK_MODULE)};
         acquireBenchLock(${JSON.stringify(script)});
         process.stdout.write('held\\n');
         setInterval(() => {}, 1000);`,
      ],
      { env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('held')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    return child;
  }

  /** A bench script's start: takes the lock or exits 1; prints `ran` when it got it. */
  function runBench(script: string) {
    return spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { lockBenchOrExit } from ${JSON.stringify(LOCK_MODULE)};
         lockBenchOrExit(${JSON.stringify(script)});
         process.stdout.write('ran\\n');`,
      ],
      { env: env(), encoding: 'utf8' },
    );
  }

  it('refuses a second bench while the first runs, naming it', async () => {
    holder = await startHolder('npm run bench');
    const second = runBench('npm run bench:ledger');
    expect(second.status).toBe(1);
    expect(second.stdout).not.toContain('ran');
    expect(second.stderr).toContain(`another bench is running (npm run bench, pid ${holder.pid}`);
    // The refused bench left the holder's lock as it was.
    const lock = JSON.parse(readFileSync(join(lockDir, 'cch-bench.lock'), 'utf8')) as {
      pid: number;
    };
    expect(lock.pid).toBe(holder.pid);
  });

  it('takes over the lock of a bench that was killed outright', async () => {
    holder = await startHolder('npm run bench');
    const killed = holder;
    await new Promise<void>((resolve) => {
      killed.once('exit', () => resolve());
      killed.kill('SIGKILL');
    });
    holder = null;
    // SIGKILL ran no exit handler: the file is still there, naming a process that is gone.
    expect(existsSync(join(lockDir, 'cch-bench.lock'))).toBe(true);
    const next = runBench('npm run bench');
    expect(next.stderr).toBe('');
    expect(next.stdout).toContain('ran');
    expect(next.status).toBe(0);
  });

  it('releases the lock when a bench exits, so the next one runs', () => {
    expect(runBench('npm run bench').status).toBe(0);
    expect(existsSync(join(lockDir, 'cch-bench.lock'))).toBe(false);
    const next = runBench('npm run bench:limits');
    expect(next.status).toBe(0);
    expect(next.stdout).toContain('ran');
  });
});
