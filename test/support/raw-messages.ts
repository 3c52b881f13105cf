import { IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';

const MODEL = 'claude-sonnet-4-6';

/**
 * Anthropic Messages calls over node:http on a connection of their own (`agent: false`): no
 * pooled keep-alive socket, so a process that stops accepting, or a cluster handing connections
 * to its workers, sees each call as a new connection.
 */
function messagesRequest(
  port: number,
  key: string,
  onResponse: (response: IncomingMessage) => void,
): ReturnType<typeof httpRequest> {
  const options: RequestOptions = {
    host: '127.0.0.1',
    port,
    path: '/v1/messages',
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
    },
  };
  return httpRequest(options, onResponse);
}

/** A non-streaming call; resolves with the status once the body has been read. */
export function postMessage(port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = messagesRequest(port, key, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
    request.end(
      JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    );
  });
}

export interface StreamingCall {
  response: IncomingMessage;
  /** Everything received so far. */
  received: () => string;
  /** Resolves with the whole body when the response ends; rejects if it is cut. */
  done: Promise<string>;
}

/** A streaming call; resolves once the response headers are in. */
export function startStream(port: number, key: string): Promise<StreamingCall> {
  return new Promise((resolve, reject) => {
    const request = messagesRequest(port, key, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      const done = new Promise<string>((resolveDone, rejectDone) => {
        response.once('end', () => resolveDone(body));
        response.once('error', rejectDone);
        response.once('aborted', () => rejectDone(new Error('stream aborted')));
      });
      done.catch(() => undefined);
      resolve({ response, received: () => body, done });
    });
    request.once('error', reject);
    request.end(
      JSON.stringify({
        model: MODEL,
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
  });
}
