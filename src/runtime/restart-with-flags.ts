/** Set in the environment of a process restarted with node flags: the flags, so it never loops. */
export const RESTARTED_WITH_ENV = 'CCH_RESTARTED_WITH';

/** What a restart needs of `process` (a parameter so the unit tests can watch it). */
export interface RestartableProcess {
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly execve?: unknown;
}

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * Replaces this process with the same node, script and arguments plus `flags`, for V8 settings
 * that only take effect when a process starts (the young generation's size). `process.execve`
 * keeps the pid, stdio and environment, so a container's PID 1, systemd or a test's child
 * handle see one process that started a little later; nothing else is running yet when it is
 * called, so nothing is lost.
 *
 * Returns false, changing nothing, where the runtime cannot (`process.execve` is Node ≥ 22.15 on
 * POSIX), when the exec fails, or when this process is itself such a restart.
 */
export function restartWithNodeFlags(
  flags: readonly string[],
  proc: RestartableProcess = process,
): boolean {
  if (flags.length === 0 || proc.env[RESTARTED_WITH_ENV] !== undefined) return false;
  if (typeof proc.execve !== 'function') return false;
  const execve = proc.execve as Execve;
  try {
    execve.call(
      proc,
      proc.execPath,
      [proc.execPath, ...flags, ...proc.execArgv, ...proc.argv.slice(1)],
      { ...proc.env, [RESTARTED_WITH_ENV]: flags.join(' ') },
    );
  } catch {
    return false;
  }
  return true;
}
