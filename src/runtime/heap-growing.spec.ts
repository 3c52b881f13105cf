import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { applyHeapGrowingPercent } from './heap-growing';

const ROOT = join(__dirname, '..', '..');

/**
 * The growing factor V8 applied at the last full GC of a fresh Node that first calls
 * `applyHeapGrowingPercent(percent)`, read from V8's own `--trace-gc-verbose` lines.
 */
function factorAppliedByV8(percent: number): number {
  const script = [
    `require('./src/runtime/heap-growing').applyHeapGrowingPercent(${percent}, process.execArgv);`,
    // Something to survive, so the full GC computes a limit from a real live size.
    'globalThis.kept = Array.from({ length: 200000 }, (_, i) => ({ i }));',
    'gc();',
  ].join('\n');
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--trace-gc-verbose', '-r', 'ts-node/register/transpile-only', '-e', script],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status).toBe(0);
  // Node 20's V8 prints the factor it applied at the end of its "Limit:" line; later V8s print it
  // in the "factor X based on" line (which Node 20's V8 prints before the flag is applied).
  const limits = [...run.stdout.matchAll(/\] Limit: old size: .* \((\d+\.\d)\)\s*$/gm)];
  const factors = [...run.stdout.matchAll(/\] factor (\d+\.\d) based on/g)];
  const last = (limits.length > 0 ? limits : factors).at(-1);
  if (!last) throw new Error(`no GC trace in the output:\n${run.stdout}\n${run.stderr}`);
  return Number(last[1]);
}

describe('applyHeapGrowingPercent', () => {
  it('should set the V8 flag to the configured percentage', () => {
    const set: string[] = [];
    expect(applyHeapGrowingPercent(100, [], (flags) => set.push(flags))).toEqual({
      source: 'setting',
      percent: 100,
    });
    expect(set).toEqual(['--heap-growing-percent=100']);
  });

  it("should leave V8's dynamic factor alone when the setting is 0", () => {
    const set: string[] = [];
    expect(applyHeapGrowingPercent(0, [], (flags) => set.push(flags))).toEqual({
      source: 'v8-dynamic',
    });
    expect(set).toEqual([]);
  });

  it("should keep a --heap-growing-percent given on node's command line", () => {
    for (const execArgv of [['--heap-growing-percent=50'], ['--heap-growing-percent', '50']]) {
      const set: string[] = [];
      expect(applyHeapGrowingPercent(100, execArgv, (flags) => set.push(flags))).toEqual({
        source: 'command-line',
      });
      expect(set).toEqual([]);
    }
  });

  it('should change the factor V8 really applies at the next full GC, after start-up', () => {
    // A fresh process with little allocated gets V8's maximum factor (4.0) on its own, so 2.0
    // and 1.5 can only come from the flag set at run time.
    expect(factorAppliedByV8(100)).toBe(2);
    expect(factorAppliedByV8(50)).toBe(1.5);
  }, 120_000);
});
