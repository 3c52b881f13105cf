import { IncomingHttpHeaders } from 'node:http';

const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/**
 * Client headers an Anthropic upstream should see as sent: the API version and beta flags
 * (features such as 1M context and interleaved thinking hang on them), and the client's identity
 * (some relays serve only Claude Code). Credentials, hop-by-hop headers and `accept-encoding`
 * (the gateway reads the stream, so it asks for it uncompressed) are never forwarded.
 */
export function anthropicForwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {
    'anthropic-version': single(headers['anthropic-version']) ?? DEFAULT_ANTHROPIC_VERSION,
    accept: single(headers.accept) ?? 'application/json',
  };
  for (const [name, value] of Object.entries(headers)) {
    const text = single(value);
    if (text === undefined) continue;
    if (
      name === 'anthropic-beta' ||
      name === 'user-agent' ||
      name === 'x-app' ||
      name === 'x-claude-code-session-id' ||
      name.startsWith('x-stainless-')
    ) {
      forwarded[name] = text;
    }
  }
  return forwarded;
}

/** The query string to forward, without Gemini-style `key` credentials. */
export function forwardQuery(url: string): string {
  const index = url.indexOf('?');
  if (index < 0) return '';
  const params = new URLSearchParams(url.slice(index + 1));
  params.delete('key');
  return params.toString();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
