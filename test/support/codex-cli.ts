import { baseEnv, CliRunResult, runCliProcess, withScratchDirs } from './cli-process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The real Codex CLI, installed as a dev dependency: `@openai/codex` is a small Node launcher that
 * runs the native binary of its platform package (`@openai/codex-linux-x64`), no download.
 */
export const CODEX_BIN = resolve(__dirname, '../../node_modules/.bin/codex');

/** The environment variable the generated config.toml names as `env_key` (sent as Bearer). */
const KEY_ENV = 'CCH_GATEWAY_KEY';

export interface CodexRunOptions {
  /** The gateway's base URL (no `/v1`); the provider's `base_url` becomes `${baseUrl}/v1`. */
  baseUrl: string;
  /** The gateway key the CLI presents (Authorization: Bearer). */
  key: string;
  prompt: string;
  /** The model name Codex asks for; unknown names only print a metadata warning. */
  model?: string;
  /** More CLI arguments after `exec`, e.g. `['--json']`. */
  args?: string[];
  /** More environment variables (the environment is otherwise built from scratch). */
  env?: Record<string, string>;
  /** The run is killed after this long; its result then has `timedOut: true`. */
  timeoutMs?: number;
}

/** What the run printed and how it ended (stdout holds the final answer). */
export type CodexRunResult = CliRunResult;

/**
 * Runs `codex exec --skip-git-repo-check PROMPT` against the gateway (Responses API), in an empty
 * working directory with a fresh HOME and CODEX_HOME (a config.toml of its own, no login), stdin
 * closed (else it waits for more input) and an environment built from scratch.
 */
export async function runCodex(options: CodexRunOptions): Promise<CodexRunResult> {
  return withScratchDirs('codex', async ({ home, cwd }) => {
    const codexHome = join(home, 'codex');
    await mkdir(codexHome);
    await writeFile(join(codexHome, 'config.toml'), codexConfig(options));
    const env: Record<string, string> = {
      ...baseEnv(home),
      CODEX_HOME: codexHome,
      [KEY_ENV]: options.key,
      ...options.env,
    };
    const args = ['exec', '--skip-git-repo-check', ...(options.args ?? []), options.prompt];
    const run = await runCliProcess({
      bin: CODEX_BIN,
      args,
      env,
      cwd,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return run;
  });
}

/** A provider of its own pointed at the gateway; Codex 0.169 speaks only `wire_api = "responses"`. */
function codexConfig(options: CodexRunOptions): string {
  return [
    `model = ${JSON.stringify(options.model ?? 'gpt-5-codex')}`,
    'model_provider = "cch"',
    '',
    '[model_providers.cch]',
    'name = "CCH gateway"',
    `base_url = ${JSON.stringify(`${options.baseUrl}/v1`)}`,
    'wire_api = "responses"',
    `env_key = "${KEY_ENV}"`,
    '',
  ].join('\n');
}
