import { IncomingHttpHeaders } from 'node:http';

export type CredentialResult =
  { kind: 'key'; key: string } | { kind: 'missing' } | { kind: 'conflicting' };

/**
 * The one key of a proxy request, from whichever place its client puts it: `x-api-key`
 * (Anthropic SDK), `Authorization: Bearer` (Claude Code auth token, OpenAI), `x-goog-api-key`
 * (Gemini) or Gemini's `?key=`. The same key in several places is fine; different keys are a 401,
 * so a request can never be billed to one key while authorised by another.
 */
export function extractGatewayCredential(
  headers: IncomingHttpHeaders,
  query: Record<string, unknown> | undefined,
): CredentialResult {
  const found = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.trim().length > 0) found.add(value.trim());
  };
  add(headers['x-api-key']);
  add(headers['x-goog-api-key']);
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    add(match ? match[1] : undefined);
  }
  add(query?.key);
  if (found.size === 0) return { kind: 'missing' };
  if (found.size > 1) return { kind: 'conflicting' };
  const [key] = found;
  return key === undefined ? { kind: 'missing' } : { kind: 'key', key };
}
