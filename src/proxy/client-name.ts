import { IncomingHttpHeaders } from 'node:http';

export type ClientName = 'claude-code' | 'codex' | 'gemini-cli' | 'droid' | 'sdk' | 'other';

/**
 * Which CLI sent the request, for the ledger and reports. User agents as captured from the real
 * clients: `claude-cli/…`, `codex_exec/…` / `codex_cli_rs/…` (also `originator`), `GeminiCLI/…`,
 * `factory-cli/…`; the official SDKs announce themselves through `x-stainless-*` or their UA.
 */
export function clientNameOf(headers: IncomingHttpHeaders): ClientName {
  const userAgent = (headers['user-agent'] ?? '').toLowerCase();
  const originator = String(headers.originator ?? '').toLowerCase();
  if (userAgent.startsWith('claude-cli/') || userAgent.includes('claude-code'))
    return 'claude-code';
  if (userAgent.startsWith('codex') || originator.startsWith('codex')) return 'codex';
  if (userAgent.startsWith('geminicli')) return 'gemini-cli';
  if (userAgent.startsWith('factory-cli') || userAgent.includes('droid')) return 'droid';
  if (
    headers['x-stainless-lang'] !== undefined ||
    userAgent.includes('google-genai-sdk') ||
    userAgent.startsWith('anthropic/') ||
    userAgent.startsWith('openai/')
  ) {
    return 'sdk';
  }
  return 'other';
}
