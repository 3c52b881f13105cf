import { baseEnv, CliRunResult, runCliProcess, withScratchDirs } from './cli-process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The real Gemini CLI, installed as a dev dependency (a bundled Node script, no download). */
export const GEMINI_BIN = resolve(__dirname, '../../node_modules/.bin/gemini');

/**
 * `~/.gemini/settings.json`: without an auth type the CLI exits 41 in `-p` mode; usage statistics
 * off keeps it from calling home (and from sending `x-gemini-api-privileged-user-id`).
 */
const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  privacy: { usageStatisticsEnabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
};

export interface GeminiRunOptions {
  /** The gateway's base URL (`GOOGLE_GEMINI_BASE_URL`; the CLI appends `/v1beta/models/…`). */
  baseUrl: string;
  /** The gateway key the CLI presents (`GEMINI_API_KEY`, sent as `x-goog-api-key`). */
  key: string;
  prompt: string;
  /** `-m MODEL`; it also skips the CLI's router call to a flash-lite model. */
  model: string;
  /** More CLI arguments, e.g. `['--approval-mode', 'yolo']`. */
  args?: string[];
  /** More environment variables (the environment is otherwise built from scratch). */
  env?: Record<string, string>;
  /** The run is killed after this long; its result then has `timedOut: true`. */
  timeoutMs?: number;
}

/** What the run printed and how it ended (stdout holds the final answer). */
export type GeminiRunResult = CliRunResult;

/**
 * Runs `gemini -m MODEL -p PROMPT` against the gateway, in an empty working directory (trusted
 * through GEMINI_CLI_TRUST_WORKSPACE, else it exits 55) with a fresh HOME holding only the
 * settings above, stdin closed and an environment built from scratch.
 */
export async function runGemini(options: GeminiRunOptions): Promise<GeminiRunResult> {
  return withScratchDirs('gemini', async ({ home, cwd }) => {
    await mkdir(join(home, '.gemini'));
    await writeFile(join(home, '.gemini', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
    const env: Record<string, string> = {
      ...baseEnv(home),
      GOOGLE_GEMINI_BASE_URL: options.baseUrl,
      GEMINI_API_KEY: options.key,
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      ...options.env,
    };
    const args = ['-m', options.model, '-p', options.prompt, ...(options.args ?? [])];
    const run = await runCliProcess({
      bin: process.execPath,
      args: [GEMINI_BIN, ...args],
      env,
      cwd,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return run;
  });
}
