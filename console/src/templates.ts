/**
 * Client configuration files for a gateway key and this gateway's public URL, in the shapes the
 * client guide documents. Anthropic-protocol clients use the URL as is; OpenAI-protocol clients
 * (Codex, Droid's OpenAI models) add /v1.
 */
export interface ClientFile {
  path: string;
  language: 'json' | 'toml' | 'dotenv' | 'shell';
  content: string;
}

export interface ClientSetup {
  id: 'claude' | 'codex' | 'gemini' | 'droid';
  name: string;
  files: ClientFile[];
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** POSIX single-quoted word. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** TOML basic string: quotes and backslashes escaped. */
const tomlString = (value: string): string =>
  `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function clientSetups(key: string, publicUrl: string): ClientSetup[] {
  const base = normalizeBaseUrl(publicUrl);
  const v1 = `${base}/v1`;
  return [
    {
      id: 'claude',
      name: 'Claude Code',
      files: [
        {
          path: '~/.claude/settings.json',
          language: 'json',
          content: json({
            env: {
              ANTHROPIC_AUTH_TOKEN: key,
              ANTHROPIC_BASE_URL: base,
              CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
            },
            permissions: { allow: [], deny: [] },
          }),
        },
      ],
    },
    {
      id: 'codex',
      name: 'Codex',
      files: [
        {
          path: '~/.codex/config.toml',
          language: 'toml',
          content: [
            'model_provider = "cch"',
            'model = "gpt-5.1-codex"',
            'model_reasoning_effort = "high"',
            'disable_response_storage = true',
            'sandbox_mode = "workspace-write"',
            '',
            '[model_providers.cch]',
            'name = "cch"',
            `base_url = ${tomlString(v1)}`,
            'wire_api = "responses"',
            'env_key = "CCH_API_KEY"',
            'requires_openai_auth = true',
            '',
            '[sandbox_workspace_write]',
            'network_access = true',
            '',
          ].join('\n'),
        },
        { path: '~/.codex/auth.json', language: 'json', content: json({ OPENAI_API_KEY: key }) },
        {
          // env_key names a variable, never the key itself: Codex reads the key from it.
          path: '~/.zshrc (or ~/.bashrc)',
          language: 'shell',
          content: `export CCH_API_KEY=${shellQuote(key)}\n`,
        },
      ],
    },
    {
      id: 'gemini',
      name: 'Gemini CLI',
      files: [
        {
          path: '~/.gemini/.env',
          language: 'dotenv',
          content: `GOOGLE_GEMINI_BASE_URL=${base}\nGEMINI_API_KEY=${key}\nGEMINI_MODEL=gemini-2.5-pro\n`,
        },
        {
          path: '~/.gemini/settings.json',
          language: 'json',
          content: json({
            ide: { enabled: true },
            security: { auth: { selectedType: 'gemini-api-key' } },
          }),
        },
      ],
    },
    {
      id: 'droid',
      name: 'Droid',
      files: [
        {
          path: '~/.factory/config.json',
          language: 'json',
          content: json({
            custom_models: [
              {
                model_display_name: 'Sonnet 4.5 [cch]',
                model: 'claude-sonnet-4-5-20250929',
                base_url: base,
                api_key: key,
                provider: 'anthropic',
              },
              {
                model_display_name: 'GPT-5-Codex [cch]',
                model: 'gpt-5.1-codex',
                base_url: v1,
                api_key: key,
                provider: 'openai',
              },
            ],
          }),
        },
        {
          // Newer Droid releases read custom models from settings.json, in camelCase.
          path: '~/.factory/settings.json',
          language: 'json',
          content: json({
            customModels: [
              {
                model: 'claude-sonnet-4-5-20250929',
                displayName: 'Sonnet 4.5 [cch]',
                baseUrl: base,
                apiKey: key,
                provider: 'anthropic',
                maxOutputTokens: 8192,
              },
              {
                model: 'gpt-5.1-codex',
                displayName: 'GPT-5-Codex [cch]',
                baseUrl: v1,
                apiKey: key,
                provider: 'openai',
                maxOutputTokens: 8192,
              },
            ],
          }),
        },
      ],
    },
  ];
}
