import { IncomingHttpHeaders } from 'node:http';

/** The admin API takes its credential as `Authorization: Bearer …` or `x-api-key`. */
export function extractAdminCredential(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) {
      return match[1];
    }
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : null;
}
