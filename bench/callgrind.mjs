// Instruction counts of a process run under valgrind's callgrind: unlike CPU time on a shared,
// noisy VM, the same binary, inputs and work give the same count run after run, so two builds of
// a Lua script can be compared to a fraction of a percent. Used by `npm run bench:limits` with
// BENCH_LIMITS_CALLGRIND=1 (see bench/README.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The command prefix that starts a program under callgrind, counting nothing until told to. */
export function callgrindPrefix(outFile) {
  return ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`];
}

/**
 * The environment for valgrind and callgrind_control alike. They talk through FIFOs named after
 * the user and host, which each side reads from the environment in its own way: with `HOST` set
 * (the integration tests set it for CCH) they disagree and valgrind stops. Without these
 * variables both say `???`.
 */
export function callgrindEnv() {
  const env = { ...process.env };
  for (const name of ['HOST', 'USER', 'LOGNAME']) delete env[name];
  return env;
}

function control(pid, ...options) {
  const result = spawnSync('callgrind_control', [...options, String(pid)], {
    encoding: 'utf8',
    env: callgrindEnv(),
  });
  if (result.status !== 0) {
    const said = result.error?.message ?? (result.stderr || result.stdout);
    throw new Error(`callgrind_control ${options.join(' ')} ${pid} failed: ${said}`);
  }
}

/** Starts counting in the callgrind process `pid`. */
export function startCounting(pid) {
  control(pid, '-i', 'on');
}

/**
 * Stops counting, has callgrind write what it counted to `<outFile>.1` (its first dump) and
 * returns the instructions executed meanwhile. callgrind reads commands when the program runs,
 * and an idle redis-server still wakes ten times a second, so the dump arrives within moments.
 */
export async function stopAndCount(pid, outFile, timeoutMs = 30_000) {
  control(pid, '-i', 'off');
  control(pid, '-d');
  const dump = `${outFile}.1`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(dump)) {
      const total = instructionsIn(readFileSync(dump, 'utf8'));
      if (total !== null) return total;
    }
    if (Date.now() > deadline) throw new Error(`no callgrind dump in ${dump}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/**
 * The instruction count (event Ir) of a callgrind output file, from its `totals:` line, which
 * ends the file: null while the file is still being written.
 */
export function instructionsIn(text) {
  const match = /^totals: (\d+)/m.exec(text);
  return match ? Number(match[1]) : null;
}
