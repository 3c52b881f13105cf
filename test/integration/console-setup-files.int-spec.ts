import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { clientSetups } from '../../console/src/templates';
import { CLAUDE_BIN } from '../support/claude-cli';
import { baseEnv, CliRunResult, runCliProcess, withScratchDirs } from '../support/cli-process';
import { CODEX_BIN } from '../support/codex-cli';
import { DROID_BIN } from '../support/droid-cli';
import { GEMINI_BIN } from '../support/gemini-cli';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { seedUserAndKey, waitForLedger } from '../support/seed';

const CLI_TIMEOUT_MS = 90_000;

/** Writes the setup page's files for one client into a fresh HOME and runs the real CLI there. */
async function runWithSetupFiles(
  client: 'claude' | 'codex' | 'gemini' | 'droid',
  key: string,
  publicUrl: string,
  command: { bin: string; args: string[]; env?: Record<string, string> },
): Promise<CliRunResult> {
  const setup = clientSetups(key, publicUrl).find((entry) => entry.id === client);
  if (!setup) throw new Error(`no setup for ${client}`);
  return withScratchDirs(`setup-${client}`, async ({ home, cwd }) => {
    for (const file of setup.files) {
      if (!file.path.startsWith('~/.') || file.language === 'shell') continue;
      const path = join(home, file.path.slice(2));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content);
    }
    return runCliProcess({
      bin: command.bin,
      args: command.args,
      env: { ...baseEnv(home), ...command.env },
      cwd,
      timeoutMs: CLI_TIMEOUT_MS,
    });
  });
}

/** The files the console's client setup page writes work with the real CLIs, unchanged. */
describe('console client setup files, with the real CLIs', () => {
  let bed: GatewayBed;

  beforeAll(async () => {
    bed = await startGatewayBed();
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('Claude Code answers through the gateway with only ~/.claude/settings.json', async () => {
    const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
    const run = await runWithSetupFiles('claude', caller.key, `${bed.ctx.baseUrl}/`, {
      bin: CLAUDE_BIN,
      args: ['-p', 'Say hello', '--output-format', 'json'],
      env: { DISABLE_AUTOUPDATER: '1' },
    });
    expect({ code: run.code, stderr: run.stderr.slice(0, 500) }).toEqual({ code: 0, stderr: '' });
    const rows = await waitForLedger(bed.db, caller.keyId, 1);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]?.status).toBe('success');
  });

  it('Codex answers through the gateway with config.toml, auth.json and CCH_API_KEY', async () => {
    const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
    const run = await runWithSetupFiles('codex', caller.key, bed.ctx.baseUrl, {
      bin: CODEX_BIN,
      args: ['exec', '--skip-git-repo-check', 'Say hello'],
      // The shell-profile line of the setup page: env_key names this variable.
      env: { CCH_API_KEY: caller.key },
    });
    expect({ code: run.code, stderr: run.stderr.slice(-500) }).toMatchObject({ code: 0 });
    const rows = await waitForLedger(bed.db, caller.keyId, 1);
    expect(rows[0]?.status).toBe('success');
  });

  it('Gemini CLI answers through the gateway with ~/.gemini/.env and settings.json', async () => {
    const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
    const run = await runWithSetupFiles('gemini', caller.key, bed.ctx.baseUrl, {
      bin: process.execPath,
      args: [GEMINI_BIN, '-p', 'Say hello'],
      // Only for the test's scratch folder: the CLI refuses untrusted workspaces in -p mode.
      env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    });
    expect({ code: run.code, stderr: run.stderr.slice(-500) }).toMatchObject({ code: 0 });
    const rows = await waitForLedger(bed.db, caller.keyId, 1);
    expect(rows[0]?.status).toBe('success');
  });

  it.each([
    ['Sonnet (Anthropic, no /v1)', 'custom:Sonnet-4.5-[cch]-0'],
    ['GPT-5-Codex (OpenAI, /v1)', 'custom:GPT-5-Codex-[cch]-1'],
  ])(
    'Droid answers through the gateway with the %s model of ~/.factory/settings.json',
    async (_name, model) => {
      const caller = await seedUserAndKey(bed.ctx.baseUrl, { providerGroup: bed.group });
      const run = await runWithSetupFiles('droid', caller.key, bed.ctx.baseUrl, {
        bin: DROID_BIN,
        // Droid names a custom model `custom:<display name, spaces as ->-<index>`.
        args: ['exec', '-m', model, 'Say hello'],
        // Skips Factory's own services; custom models need no Factory login.
        env: { FACTORY_AIRGAP_ENABLED: '1' },
      });
      expect({ code: run.code, stderr: run.stderr.slice(-500) }).toMatchObject({ code: 0 });
      const rows = await waitForLedger(bed.db, caller.keyId, 1);
      expect(rows[0]?.status).toBe('success');
    },
  );
});
