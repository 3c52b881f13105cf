// One bench at a time on a machine. `npm run bench` creates and drops the `cch_bench` database and
// flushes its Redis database when it ends, so a second run started while the first is still
// tearing down loses its database halfway (CCH then fails with "database does not exist"); and
// any two benches side by side share the cores and measure each other. Every bench script takes
// this lock first and fails at once, naming the holder, while another one runs.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function lockPath() {
  return join(process.env.BENCH_LOCK_DIR ?? tmpdir(), 'cch-bench.lock');
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return error.code === 'EPERM';
  }
}

function readHolder(path) {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8'));
    return Number.isInteger(holder?.pid) ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Takes the machine's bench lock for this process, released when it exits (however it exits:
 * the file names this pid, and a lock whose process is gone is taken over). Throws when a live
 * process holds it.
 */
export function acquireBenchLock(script) {
  const path = lockPath();
  const mine = JSON.stringify({ pid: process.pid, script, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      process.on('exit', () => releaseBenchLock());
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new Error(
        `another bench is running (${holder.script ?? 'unknown script'}, pid ${holder.pid}, ` +
          `since ${holder.startedAt ?? '?'}): wait for it to exit. Benches share the bench ` +
          `database, Redis and the cores (lock: ${path})`,
      );
    }
    // Left by a process that is gone (killed outright): take it over.
    unlinkSync(path);
  }
  throw new Error(`could not take the bench lock ${path}`);
}

/** `acquireBenchLock`, or a one-line reason on stderr and exit code 1 before anything starts. */
export function lockBenchOrExit(script) {
  try {
    acquireBenchLock(script);
  } catch (error) {
    process.stderr.write(`[bench] ${error.message}\n`);
    process.exit(1);
  }
}

/** Drops the lock if this process holds it. */
export function releaseBenchLock() {
  const path = lockPath();
  if (readHolder(path)?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
