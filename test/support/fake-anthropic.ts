import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { endWithGarbage, GarbageKind } from './fake-garbage';
import { FakeUpstreamServer, RecordedRequest } from './fake-upstream-server';

/** How the fake answers the next request(s); the default is a normal, successful answer. */
export type FakeBehaviour =
  | {
      kind: 'ok';
      text?: string;
      /** Adds a tool_use block after the text; `id` defaults to a fresh `toolu_…` id. */
      toolUse?: { name: string; input: Record<string, unknown>; id?: string };
      /** Waits this long before answering (keeps a request in flight). */
      delayMs?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  /** A 200 `application/json` answer of these exact bytes (which need not be JSON). */
  | { kind: 'raw-json'; text: string }
  | { kind: 'drop' }
  | { kind: 'hang' }
  | { kind: 'stream-error-before-content' }
  | { kind: 'stream-reset-after-content' }
  | { kind: 'slow-stream'; chunks: number; delayMs: number }
  /** A 200 event stream that turns to garbage before any content, or after the first delta. */
  | { kind: 'garbage'; garbage: GarbageKind; afterContent: boolean };

export type { RecordedRequest };

export const FAKE_USAGE = {
  input_tokens: 21,
  cache_creation_input_tokens: 100,
  cache_read_input_tokens: 300,
  cache_creation: { ephemeral_5m_input_tokens: 60, ephemeral_1h_input_tokens: 40 },
  output_tokens: 7,
};

/**
 * A stand-in Anthropic Messages API for tests: real HTTP, real SSE with `event:` lines, and
 * scripted failures. It is the only fake in the integration tests (providers are out of reach).
 */
export class FakeAnthropic extends FakeUpstreamServer<FakeBehaviour> {
  private constructor(readonly apiKey: string) {
    super({ kind: 'ok' });
  }

  static async start(apiKey = `sk-ant-fake-${randomUUID()}`): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic(apiKey);
    await fake.listen();
    return fake;
  }

  protected async answer(
    request: IncomingMessage,
    response: ServerResponse,
    { body }: RecordedRequest,
  ): Promise<void> {
    if (
      request.headers['x-api-key'] !== this.apiKey &&
      request.headers.authorization !== `Bearer ${this.apiKey}`
    ) {
      return json(response, 401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'bad upstream key' },
      });
    }
    const path = (request.url ?? '').split('?')[0];
    if (path === '/v1/messages/count_tokens') return json(response, 200, { input_tokens: 42 });
    if (path === '/v1/models') return json(response, 200, { data: [], has_more: false });
    if (path !== '/v1/messages')
      return json(response, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: path },
      });

    const behaviour = this.nextBehaviour();
    const model = typeof body?.model === 'string' ? body.model : 'unknown';
    const stream = body?.stream === true;
    response.on('close', () => {
      if (!response.writableFinished) this.abortedRequests += 1;
    });
    switch (behaviour.kind) {
      case 'status':
        return json(
          response,
          behaviour.status,
          behaviour.body ?? {
            type: 'error',
            error: {
              type: behaviour.status === 529 ? 'overloaded_error' : 'api_error',
              message: 'scripted failure',
            },
          },
          behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {},
        );
      case 'raw-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(behaviour.text);
        return;
      case 'drop':
        request.socket.destroy();
        return;
      case 'hang':
        return; // never answers; the gateway's timeout must fire
      case 'stream-error-before-content':
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(frame('message_start', messageStart(model)));
        response.end(
          frame('error', {
            type: 'error',
            error: { type: 'overloaded_error', message: 'Overloaded' },
          }),
        );
        return;
      case 'stream-reset-after-content':
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(frame('message_start', messageStart(model)));
        response.write(
          frame('content_block_start', {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          }),
        );
        response.write(frame('content_block_delta', textDelta('partial ')));
        setTimeout(() => request.socket.destroy(), 20);
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(frame('message_start', messageStart(model)));
        if (behaviour.afterContent) {
          response.write(
            frame('content_block_start', {
              type: 'content_block_start',
              index: 0,
              content_block: { type: 'text', text: '' },
            }),
          );
          response.write(frame('content_block_delta', textDelta('partial ')));
        }
        endWithGarbage(response, behaviour.garbage, 'content_block_delta', behaviour.afterContent);
        return;
      case 'slow-stream':
        return this.slowStream(response, model, behaviour.chunks, behaviour.delayMs);
      case 'ok':
        if (behaviour.delayMs)
          await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        return stream
          ? this.okStream(response, model, behaviour)
          : json(response, 200, okMessage(model, behaviour));
    }
  }

  private okStream(
    response: ServerResponse,
    model: string,
    behaviour: Extract<FakeBehaviour, { kind: 'ok' }>,
  ): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(frame('message_start', messageStart(model)));
    response.write(frame('ping', { type: 'ping' }));
    response.write(
      frame('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }),
    );
    response.write(
      frame('content_block_delta', textDelta(behaviour.text ?? 'Hello from the fake upstream.')),
    );
    response.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
    if (behaviour.toolUse) {
      response.write(
        frame('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: {
            type: 'tool_use',
            id: behaviour.toolUse.id ?? `toolu_${randomUUID()}`,
            name: behaviour.toolUse.name,
            input: {},
          },
        }),
      );
      response.write(
        frame('content_block_delta', {
          type: 'content_block_delta',
          index: 1,
          delta: {
            type: 'input_json_delta',
            partial_json: JSON.stringify(behaviour.toolUse.input),
          },
        }),
      );
      response.write(frame('content_block_stop', { type: 'content_block_stop', index: 1 }));
    }
    response.write(
      frame('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: behaviour.toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: FAKE_USAGE,
      }),
    );
    response.end(frame('message_stop', { type: 'message_stop' }));
  }

  private slowStream(
    response: ServerResponse,
    model: string,
    chunks: number,
    delayMs: number,
  ): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(frame('message_start', messageStart(model)));
    response.write(
      frame('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }),
    );
    let sent = 0;
    const timer = setInterval(() => {
      if (response.destroyed) {
        clearInterval(timer);
        return;
      }
      response.write(frame('content_block_delta', textDelta(`chunk-${sent} `)));
      sent += 1;
      if (sent >= chunks) {
        clearInterval(timer);
        response.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
        response.write(
          frame('message_delta', {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: FAKE_USAGE,
          }),
        );
        response.end(frame('message_stop', { type: 'message_stop' }));
      }
    }, delayMs);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function textDelta(text: string): unknown {
  return { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
}

function messageStart(model: string): unknown {
  return {
    type: 'message_start',
    message: {
      id: `msg_${randomUUID()}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...FAKE_USAGE, output_tokens: 1 },
    },
  };
}

function okMessage(model: string, behaviour: Extract<FakeBehaviour, { kind: 'ok' }>): unknown {
  const content: unknown[] = [
    { type: 'text', text: behaviour.text ?? 'Hello from the fake upstream.' },
  ];
  if (behaviour.toolUse) {
    content.push({
      type: 'tool_use',
      id: behaviour.toolUse.id ?? `toolu_${randomUUID()}`,
      name: behaviour.toolUse.name,
      input: behaviour.toolUse.input,
    });
  }
  return {
    id: `msg_${randomUUID()}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: behaviour.toolUse ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: FAKE_USAGE,
  };
}

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
