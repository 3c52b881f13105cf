import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a real CLI run ended. */
export interface CliRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A fresh HOME and an empty working directory for one run, removed afterwards. */
export async function withScratchDirs<T>(
  name: string,
  work: (dirs: { home: string; cwd: string }) => Promise<T>,
): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), `cch-${name}-home-`));
  const cwd = await mkdtemp(join(tmpdir(), `cch-${name}-cwd-`));
  try {
    return await work({ home, cwd });
  } finally {
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  }
}

/** The base of every CLI's environment: built from scratch so nothing of the runner's leaks in. */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    SHELL: '/bin/bash',
  };
}

/**
 * Runs a CLI to completion with stdin closed (several CLIs otherwise wait for more input), in its
 * own process group so a timeout also ends the shells its tools started.
 */
export async function runCliProcess(options: {
  bin: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
}): Promise<CliRunResult> {
  const started = performance.now();
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const spawned = spawn(options.bin, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = spawned;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    spawned.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    spawned.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const { code, signal } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
    }>((resolveExit, rejectExit) => {
      spawned.once('error', rejectExit);
      spawned.once('close', (exitCode, exitSignal) =>
        resolveExit({ code: exitCode, signal: exitSignal }),
      );
      timer = setTimeout(() => {
        timedOut = true;
        killGroup(spawned);
      }, options.timeoutMs);
    });
    return {
      code,
      signal,
      timedOut,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (timer) clearTimeout(timer);
    if (child && child.exitCode === null && child.signalCode === null) killGroup(child);
  }
}

/** Ends the CLI and anything it started (its process group), if it is still there. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
