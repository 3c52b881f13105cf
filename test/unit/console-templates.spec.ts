import { clientSetups, normalizeBaseUrl } from '../../console/src/templates';

const KEY = 'sk-cch-AbC123';

function file(client: string, path: string, key = KEY, url = 'https://cch.example.com'): string {
  const setup = clientSetups(key, url).find((entry) => entry.id === client);
  const found = setup?.files.find((entry) => entry.path === path);
  if (!found) throw new Error(`no ${path} for ${client}`);
  return found.content;
}

describe('console client setup templates', () => {
  it('normalizes the public URL: no trailing slash, no /v1', () => {
    expect(normalizeBaseUrl(' https://cch.example.com/ ')).toBe('https://cch.example.com');
    expect(normalizeBaseUrl('https://cch.example.com/v1/')).toBe('https://cch.example.com');
    expect(normalizeBaseUrl('https://cch.example.com/gw')).toBe('https://cch.example.com/gw');
  });

  it('writes Claude Code settings.json with the key and the Anthropic URL', () => {
    const settings = JSON.parse(file('claude', '~/.claude/settings.json'));
    expect(settings.env).toEqual({
      ANTHROPIC_AUTH_TOKEN: KEY,
      ANTHROPIC_BASE_URL: 'https://cch.example.com',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
  });

  it('writes Codex config.toml (URL with /v1, env_key a variable name) and auth.json', () => {
    const toml = file('codex', '~/.codex/config.toml');
    expect(toml).toContain('model_provider = "cch"');
    expect(toml).toContain('base_url = "https://cch.example.com/v1"');
    expect(toml).toContain('wire_api = "responses"');
    expect(toml).toContain('env_key = "CCH_API_KEY"');
    expect(toml).not.toContain(KEY);
    expect(JSON.parse(file('codex', '~/.codex/auth.json'))).toEqual({ OPENAI_API_KEY: KEY });
    expect(file('codex', '~/.zshrc (or ~/.bashrc)')).toBe(`export CCH_API_KEY='${KEY}'\n`);
  });

  it('quotes hostile input so the files stay valid', () => {
    const toml = file('codex', '~/.codex/config.toml', KEY, 'https://x.example/"a\\b');
    expect(toml).toContain('base_url = "https://x.example/\\"a\\\\b/v1"');
    expect(file('codex', '~/.zshrc (or ~/.bashrc)', "it's")).toBe(
      `export CCH_API_KEY='it'\\''s'\n`,
    );
  });

  it('writes Gemini CLI .env and settings.json', () => {
    expect(file('gemini', '~/.gemini/.env')).toBe(
      `GOOGLE_GEMINI_BASE_URL=https://cch.example.com\nGEMINI_API_KEY=${KEY}\nGEMINI_MODEL=gemini-2.5-pro\n`,
    );
    expect(JSON.parse(file('gemini', '~/.gemini/settings.json'))).toEqual({
      ide: { enabled: true },
      security: { auth: { selectedType: 'gemini-api-key' } },
    });
  });

  it('writes Droid custom models: Anthropic without /v1, OpenAI with /v1, in both file shapes', () => {
    type Legacy = { custom_models: Record<string, string>[] };
    type Current = { customModels: Record<string, string>[] };
    const legacy = JSON.parse(file('droid', '~/.factory/config.json')) as Legacy;
    expect(legacy.custom_models.map((m) => [m.provider, m.base_url, m.api_key])).toEqual([
      ['anthropic', 'https://cch.example.com', KEY],
      ['openai', 'https://cch.example.com/v1', KEY],
    ]);
    const current = JSON.parse(file('droid', '~/.factory/settings.json')) as Current;
    expect(current.customModels.map((m) => [m.provider, m.baseUrl, m.apiKey])).toEqual([
      ['anthropic', 'https://cch.example.com', KEY],
      ['openai', 'https://cch.example.com/v1', KEY],
    ]);
  });
});
