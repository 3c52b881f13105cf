import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The real Claude Code CLI, installed as a dev dependency (a native binary, no download). */
export const CLAUDE_BIN = resolve(__dirname, '../../node_modules/.bin/claude');

export interface ClaudeRunOptions {
  /** The gateway's base URL (`ANTHROPIC_BASE_URL`). */
  baseUrl: string;
  /** The gateway key the CLI presents. */
  key: string;
  /** `bearer` sets `ANTHROPIC_AUTH_TOKEN` (Authorization: Bearer), `x-api-key` sets `ANTHROPIC_API_KEY`. */
  auth: 'bearer' | 'x-api-key';
  prompt: string;
  /** More CLI arguments, e.g. `['--allowedTools', 'Bash']`. */
  args?: string[];
  /** More environment variables (the environment is otherwise built from scratch). */
  env?: Record<string, string>;
  /** The run is killed after this long; its result then has `timedOut: true`. */
  timeoutMs?: number;
}

/** What `claude -p … --output-format json` prints on success (the fields the tests read). */
export interface ClaudePrintResult {
  type: string;
  subtype: string;
  is_error: boolean;
  result: string;
  session_id: string;
  num_turns?: number;
  usage?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ClaudeRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The parsed JSON output, or null when stdout was not one JSON document. */
  output: ClaudePrintResult | null;
}

/**
 * Runs `claude -p PROMPT --output-format json` against the gateway, in an empty working directory
 * with a fresh HOME (no settings, credentials or history of the machine's user), stdin closed,
 * and an environment built from scratch so nothing of the test runner's leaks into the CLI.
 */
export async function runClaude(options: ClaudeRunOptions): Promise<ClaudeRunResult> {
  const home = await mkdtemp(join(tmpdir(), 'cch-claude-home-'));
  const cwd = await mkdtemp(join(tmpdir(), 'cch-claude-cwd-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    SHELL: '/bin/bash',
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ...(options.auth === 'bearer'
      ? { ANTHROPIC_AUTH_TOKEN: options.key }
      : { ANTHROPIC_API_KEY: options.key }),
    ...options.env,
  };
  const args = ['-p', options.prompt, '--output-format', 'json', ...(options.args ?? [])];
  const started = performance.now();
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Its own process group, so a timeout also ends the shells its tools started.
    const spawned = spawn(CLAUDE_BIN, args, {
      cwd,
      env,
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
      }, options.timeoutMs ?? 60_000);
    });
    const out = Buffer.concat(stdout).toString('utf8');
    return {
      code,
      signal,
      timedOut,
      stdout: out,
      stderr: Buffer.concat(stderr).toString('utf8'),
      durationMs: Math.round(performance.now() - started),
      output: parseOutput(out),
    };
  } finally {
    if (timer) clearTimeout(timer);
    if (child && child.exitCode === null && child.signalCode === null) killGroup(child);
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
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

function parseOutput(stdout: string): ClaudePrintResult | null {
  try {
    const parsed: unknown = JSON.parse(stdout.trim());
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as ClaudePrintResult)
      : null;
  } catch {
    return null;
  }
}
