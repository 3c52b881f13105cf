import { IncomingHttpHeaders } from 'node:http';

export type ClientProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

/**
 * The protocol a proxy request speaks, from its path (and, for the shared `/v1/models`, the
 * `anthropic-version` header): errors must come back in that protocol's envelope.
 */
export function clientProtocolOf(path: string, headers: IncomingHttpHeaders): ClientProtocol {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1/chat/')) return 'openai-chat';
  if (path.startsWith('/v1/responses')) return 'openai-responses';
  if (/^\/v1(beta|alpha)?\/models\/[^/]+:/.test(path) || path.startsWith('/v1beta/'))
    return 'gemini';
  return headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai-chat';
}
