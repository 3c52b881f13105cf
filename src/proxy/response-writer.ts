import { once } from 'node:events';
import { ServerResponse } from 'node:http';

/** Headers of every SSE answer: no caching, no proxy buffering, sent at once. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * Writes a chunk and, when the socket's buffer is full, waits for it to drain: a slow client
 * slows the upstream read instead of growing memory. Resolves false if the client went away.
 */
export async function writeChunk(
  response: ServerResponse,
  chunk: Buffer | string,
): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (response.write(chunk)) return true;
  const drained = once(response, 'drain').then(() => true);
  const closed = once(response, 'close').then(() => false);
  return Promise.race([drained, closed]);
}

/**
 * A whole answer with its length. `writeHead` fixes the framing before `end` sees the body, so
 * without `content-length` Node would frame it as chunked: five buffers in the socket write
 * instead of two, and a chunk header and terminator for the client to parse, on every JSON answer.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string>,
): void {
  if (response.headersSent || response.destroyed) return;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  response.writeHead(status, {
    'content-type': 'application/json',
    ...headers,
    'content-length': String(length),
  });
  response.end(body);
}
