import { baseEnv, CliRunResult, runCliProcess, withScratchDirs } from './cli-process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The real Factory Droid CLI, installed as a dev dependency: the `droid` package's launcher runs
 * the native binary of its platform package (`@factory/cli-linux-x64`), no download. Custom
 * (BYOK) models need no Factory login.
 */
export const DROID_BIN = resolve(__dirname, '../../node_modules/.bin/droid');

/** The environment variable the settings' `apiKey` refers to. */
const KEY_ENV = 'CCH_GATEWAY_KEY';

/**
 * How Droid talks to a custom model: `anthropic` sends Anthropic Messages (`/v1/messages`,
 * x-api-key), `openai` OpenAI Responses (`/v1/responses`, Bearer), and
 * `generic-chat-completion-api` OpenAI Chat Completions (`/v1/chat/completions`, Bearer).
 */
export type DroidProvider = 'anthropic' | 'openai' | 'generic-chat-completion-api';

export interface DroidRunOptions {
  /** The gateway's base URL (no `/v1`). */
  baseUrl: string;
  /** The gateway key the CLI presents. */
  key: string;
  provider: DroidProvider;
  prompt: string;
  /** The model name Droid sends upstream. */
  model?: string;
  /** More CLI arguments after `exec`, e.g. `['--auto', 'low']`. */
  args?: string[];
  /** More environment variables (the environment is otherwise built from scratch). */
  env?: Record<string, string>;
  /** The run is killed after this long; its result then has `timedOut: true`. */
  timeoutMs?: number;
}

/** What the run printed and how it ended (stdout holds the final answer). */
export type DroidRunResult = CliRunResult;

/** Display name of the one custom model; Droid's id for it is `custom:<name, spaces→->-0`. */
const DISPLAY_NAME = 'CCH Gateway';
const MODEL_ID = 'custom:CCH-Gateway-0';

/**
 * Runs `droid exec -m custom:… PROMPT` against the gateway, in an empty working directory with a
 * fresh HOME whose `~/.factory/settings.json` holds one custom model pointed at the gateway, stdin
 * closed and an environment built from scratch. Droid's default autonomy is read-only, which
 * still runs display commands such as `echo`.
 */
export async function runDroid(options: DroidRunOptions): Promise<DroidRunResult> {
  return withScratchDirs('droid', async ({ home, cwd }) => {
    await mkdir(join(home, '.factory'));
    await writeFile(join(home, '.factory', 'settings.json'), droidSettings(options));
    const env: Record<string, string> = {
      ...baseEnv(home),
      [KEY_ENV]: options.key,
      // Skips Factory's own services (dynamic config, telemetry): ≈1 s a run instead of ≈7 s.
      FACTORY_AIRGAP_ENABLED: '1',
      ...options.env,
    };
    const args = ['exec', '-m', MODEL_ID, ...(options.args ?? []), options.prompt];
    const run = await runCliProcess({
      bin: DROID_BIN,
      args,
      env,
      cwd,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return run;
  });
}

/** The Anthropic provider takes the root URL (it appends /v1/messages), the OpenAI ones `/v1`. */
function droidSettings(options: DroidRunOptions): string {
  const model = {
    model: options.model ?? 'cch-droid-model',
    displayName: DISPLAY_NAME,
    baseUrl: options.provider === 'anthropic' ? options.baseUrl : `${options.baseUrl}/v1`,
    apiKey: `\${${KEY_ENV}}`,
    provider: options.provider,
    maxOutputTokens: 8192,
  };
  return JSON.stringify({ customModels: [model] }, null, 2);
}
