import { baseEnv, CliRunResult, runCliProcess, withScratchDirs } from './cli-process';
import { resolve } from 'node:path';

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

export interface ClaudeRunResult extends CliRunResult {
  /** The parsed JSON output, or null when stdout was not one JSON document. */
  output: ClaudePrintResult | null;
}

/**
 * Runs `claude -p PROMPT --output-format json` against the gateway, in an empty working directory
 * with a fresh HOME (no settings, credentials or history of the machine's user), stdin closed,
 * and an environment built from scratch so nothing of the test runner's leaks into the CLI.
 */
export async function runClaude(options: ClaudeRunOptions): Promise<ClaudeRunResult> {
  return withScratchDirs('claude', async ({ home, cwd }) => {
    const env: Record<string, string> = {
      ...baseEnv(home),
      ANTHROPIC_BASE_URL: options.baseUrl,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ...(options.auth === 'bearer'
        ? { ANTHROPIC_AUTH_TOKEN: options.key }
        : { ANTHROPIC_API_KEY: options.key }),
      ...options.env,
    };
    const args = ['-p', options.prompt, '--output-format', 'json', ...(options.args ?? [])];
    const run = await runCliProcess({
      bin: CLAUDE_BIN,
      args,
      env,
      cwd,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return { ...run, output: parseOutput(run.stdout) };
  });
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
