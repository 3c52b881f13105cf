import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { FakeUpstreamServer, RecordedRequest } from './fake-upstream-server';
import { endWithGarbage, GarbageKind } from './fake-garbage';

export type { RecordedRequest } from './fake-anthropic';

export type FakeProviderProtocol = 'openai-chat' | 'openai-responses' | 'gemini';

/** How the fake answers the next request(s); the default is a normal, successful answer. */
export type FakeProviderBehaviour =
  | {
      kind: 'ok';
      text?: string;
      /** Adds a tool call after the text (Chat `tool_calls`, Responses `function_call`, Gemini `functionCall`). */
      toolCall?: { name: string; input: Record<string, unknown>; id?: string };
      /** Waits this long before answering (keeps a request in flight). */
      delayMs?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'drop' }
  | { kind: 'hang' }
  | { kind: 'stream-error-before-content' }
  /** A 200 event stream that turns to garbage before any content, or after the first delta. */
  | { kind: 'garbage'; garbage: GarbageKind; afterContent: boolean };

type OkBehaviour = Extract<FakeProviderBehaviour, { kind: 'ok' }>;
type ToolCall = NonNullable<OkBehaviour['toolCall']>;

export const DEFAULT_FAKE_TEXT = 'Hello from the fake upstream.';

/** The token numbers every successful answer reports, whatever the protocol. */
export const FAKE_PROVIDER_USAGE = { prompt: 321, cached: 300, completion: 7, total: 328 } as const;

/** What a gateway should meter from FAKE_PROVIDER_USAGE (docs §C.2): fresh input excludes the cache read. */
export const FAKE_PROVIDER_NORMALISED_USAGE = {
  inputFresh: FAKE_PROVIDER_USAGE.prompt - FAKE_PROVIDER_USAGE.cached, // 21
  cacheRead: FAKE_PROVIDER_USAGE.cached, // 300
  cacheWrite: 0,
  output: FAKE_PROVIDER_USAGE.completion, // 7
} as const;

export const FAKE_CHAT_USAGE = {
  prompt_tokens: FAKE_PROVIDER_USAGE.prompt,
  completion_tokens: FAKE_PROVIDER_USAGE.completion,
  total_tokens: FAKE_PROVIDER_USAGE.total,
  prompt_tokens_details: { cached_tokens: FAKE_PROVIDER_USAGE.cached },
};

export const FAKE_RESPONSES_USAGE = {
  input_tokens: FAKE_PROVIDER_USAGE.prompt,
  input_tokens_details: { cached_tokens: FAKE_PROVIDER_USAGE.cached },
  output_tokens: FAKE_PROVIDER_USAGE.completion,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: FAKE_PROVIDER_USAGE.total,
};

export const FAKE_GEMINI_USAGE = {
  promptTokenCount: FAKE_PROVIDER_USAGE.prompt,
  cachedContentTokenCount: FAKE_PROVIDER_USAGE.cached,
  candidatesTokenCount: FAKE_PROVIDER_USAGE.completion,
  totalTokenCount: FAKE_PROVIDER_USAGE.total,
};

const GEMINI_ROUTE =
  /^\/(v1beta|v1|v1alpha)\/models\/(.+):(generateContent|streamGenerateContent|countTokens)$/;

/**
 * A stand-in for the non-Anthropic upstreams (OpenAI Chat Completions, OpenAI Responses, Gemini)
 * for tests: real HTTP on 127.0.0.1, real SSE in each protocol's framing, and scripted failures.
 * The sibling of FakeAnthropic; one instance speaks one protocol.
 */
export class FakeProvider extends FakeUpstreamServer<FakeProviderBehaviour> {
  private constructor(
    readonly protocol: FakeProviderProtocol,
    readonly apiKey: string,
  ) {
    super({ kind: 'ok' });
  }

  static async start(
    protocol: FakeProviderProtocol,
    apiKey = defaultKey(protocol),
  ): Promise<FakeProvider> {
    const fake = new FakeProvider(protocol, apiKey);
    await fake.listen();
    return fake;
  }

  protected async answer(
    request: IncomingMessage,
    response: ServerResponse,
    { method, body }: RecordedRequest,
  ): Promise<void> {
    const parsedUrl = new URL(request.url ?? '/', 'http://fake.invalid');
    const path = parsedUrl.pathname;
    if (!this.authorised(request, parsedUrl)) {
      return this.errorJson(response, 401, 'bad upstream key');
    }

    // Route: decide which operation (if any) this request is.
    let operation: 'chat' | 'responses' | 'generate' | 'stream-generate' | null = null;
    let model = typeof body?.model === 'string' ? body.model : 'unknown';
    let geminiSse = false;
    if (this.protocol === 'openai-chat') {
      if (method === 'POST' && path === '/v1/chat/completions') operation = 'chat';
    } else if (this.protocol === 'openai-responses') {
      if (method === 'POST' && path === '/v1/responses') operation = 'responses';
    } else {
      if (method === 'GET' && /^\/(v1beta|v1|v1alpha)\/models\/?$/.test(path)) {
        return json(response, 200, { models: [] });
      }
      const match = GEMINI_ROUTE.exec(safeDecode(path));
      if (method === 'POST' && match) {
        model = match[2].replace(/^models\//, '');
        if (match[3] === 'countTokens') return json(response, 200, { totalTokens: 42 });
        operation = match[3] === 'generateContent' ? 'generate' : 'stream-generate';
        geminiSse = parsedUrl.searchParams.get('alt') === 'sse';
      }
    }
    if (!operation) return this.errorJson(response, 404, `Invalid URL (${method} ${path})`);

    const behaviour = this.nextBehaviour();
    const stream =
      operation === 'stream-generate' ||
      ((operation === 'chat' || operation === 'responses') && body?.stream === true);
    response.on('close', () => {
      if (!response.writableFinished) this.abortedRequests += 1;
    });

    switch (behaviour.kind) {
      case 'status':
        if (behaviour.body !== undefined) {
          return json(response, behaviour.status, behaviour.body, retryHeader(behaviour));
        }
        return this.errorJson(
          response,
          behaviour.status,
          'scripted failure',
          retryHeader(behaviour),
          behaviour.retryAfter,
        );
      case 'drop':
        request.socket.destroy();
        return;
      case 'hang':
        return; // never answers; the gateway's timeout must fire
      case 'stream-error-before-content':
        return this.streamErrorBeforeContent(response, model);
      case 'garbage':
        return this.garbageStream(response, model, behaviour.garbage, behaviour.afterContent);
      case 'ok': {
        if (behaviour.delayMs)
          await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        switch (this.protocol) {
          case 'openai-chat':
            return stream
              ? chatStream(response, model, behaviour, includeUsage(body))
              : json(response, 200, chatCompletion(model, behaviour));
          case 'openai-responses':
            return stream
              ? responsesStream(response, model, behaviour)
              : json(response, 200, responsesObject(model, behaviour, 'completed'));
          case 'gemini': {
            if (operation === 'generate')
              return json(response, 200, geminiResponse(model, behaviour));
            const geminiChunks = geminiStreamChunks(model, behaviour);
            if (!geminiSse) return json(response, 200, geminiChunks); // no alt=sse: a JSON array
            response.writeHead(200, { 'content-type': 'text/event-stream' });
            for (const chunk of geminiChunks) response.write(dataFrame(chunk));
            response.end();
            return;
          }
        }
      }
    }
  }

  private authorised(request: IncomingMessage, url: URL): boolean {
    if (this.protocol === 'gemini') {
      return (
        request.headers['x-goog-api-key'] === this.apiKey ||
        url.searchParams.get('key') === this.apiKey
      );
    }
    return request.headers.authorization === `Bearer ${this.apiKey}`;
  }

  /** An error answer in this protocol's envelope. */
  private errorJson(
    response: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
    retryAfter?: string,
  ): void {
    return json(response, status, errorBody(this.protocol, status, message, retryAfter), headers);
  }

  private garbageStream(
    response: ServerResponse,
    model: string,
    garbage: GarbageKind,
    afterContent: boolean,
  ): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    switch (this.protocol) {
      case 'openai-chat': {
        const id = `chatcmpl-${randomUUID()}`;
        response.write(dataFrame(chatChunk(id, model, { role: 'assistant', content: '' }, null)));
        if (afterContent)
          response.write(dataFrame(chatChunk(id, model, { content: 'partial ' }, null)));
        endWithGarbage(response, garbage, null, afterContent);
        return;
      }
      case 'openai-responses': {
        const events = new ResponsesEvents(response);
        const base = responsesObject(model, { kind: 'ok' }, 'in_progress');
        events.emit('response.created', { response: { ...base, output: [], usage: null } });
        if (afterContent) {
          const itemId = `msg_${hexId()}`;
          events.emit('response.output_item.added', {
            output_index: 0,
            item: {
              id: itemId,
              type: 'message',
              status: 'in_progress',
              role: 'assistant',
              content: [],
            },
          });
          events.emit('response.output_text.delta', {
            item_id: itemId,
            output_index: 0,
            content_index: 0,
            delta: 'partial ',
            logprobs: [],
          });
        }
        endWithGarbage(response, garbage, 'response.output_text.delta', afterContent);
        return;
      }
      case 'gemini':
        if (afterContent) {
          response.write(
            dataFrame(geminiChunk(model, `gem_${hexId()}`, [{ text: 'partial ' }], false)),
          );
        }
        endWithGarbage(response, garbage, null, afterContent);
        return;
    }
  }

  private streamErrorBeforeContent(response: ServerResponse, model: string): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    switch (this.protocol) {
      case 'openai-chat': {
        const id = `chatcmpl-${randomUUID()}`;
        response.write(dataFrame(chatChunk(id, model, { role: 'assistant', content: '' }, null)));
        response.end(
          dataFrame({
            error: {
              message: 'The server is overloaded, please try again later.',
              type: 'server_error',
              param: null,
              code: 'server_error',
            },
          }),
        );
        return;
      }
      case 'openai-responses': {
        const events = new ResponsesEvents(response);
        const base = responsesObject(model, { kind: 'ok' }, 'in_progress');
        events.emit('response.created', { response: { ...base, output: [], usage: null } });
        events.emit('response.in_progress', { response: { ...base, output: [], usage: null } });
        events.emit('response.failed', {
          response: {
            ...base,
            status: 'failed',
            output: [],
            usage: null,
            error: { code: 'server_error', message: 'The server is overloaded.' },
          },
        });
        response.end();
        return;
      }
      case 'gemini':
        response.end(
          dataFrame({
            error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' },
          }),
        );
        return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions

function chatChunk(
  id: string,
  model: string,
  delta: Record<string, unknown>,
  finishReason: string | null,
  withNullUsage = false,
): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion.chunk',
    created: nowSeconds(),
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(withNullUsage ? { usage: null } : {}),
  };
}

function chatStream(
  response: ServerResponse,
  model: string,
  behaviour: OkBehaviour,
  withUsage: boolean,
): void {
  const id = `chatcmpl-${randomUUID()}`;
  const send = (delta: Record<string, unknown>, finish: string | null = null): void => {
    response.write(dataFrame(chatChunk(id, model, delta, finish, withUsage)));
  };
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  send({ role: 'assistant', content: '', refusal: null });
  for (const piece of splitInTwo(textOf(behaviour))) send({ content: piece });
  if (behaviour.toolCall) {
    const args = JSON.stringify(behaviour.toolCall.input);
    send({
      tool_calls: [
        {
          index: 0,
          id: behaviour.toolCall.id ?? `call_${hexId()}`,
          type: 'function',
          function: { name: behaviour.toolCall.name, arguments: '' },
        },
      ],
    });
    for (const fragment of splitInTwo(args, true)) {
      send({ tool_calls: [{ index: 0, function: { arguments: fragment } }] });
    }
  }
  send({}, behaviour.toolCall ? 'tool_calls' : 'stop');
  if (withUsage) {
    response.write(
      dataFrame({
        id,
        object: 'chat.completion.chunk',
        created: nowSeconds(),
        model,
        system_fingerprint: 'fp_fake',
        choices: [],
        usage: FAKE_CHAT_USAGE,
      }),
    );
  }
  response.end('data: [DONE]\n\n');
}

function chatCompletion(model: string, behaviour: OkBehaviour): unknown {
  const text = textOf(behaviour);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && behaviour.toolCall ? null : text,
    refusal: null,
    annotations: [],
  };
  if (behaviour.toolCall) {
    message.tool_calls = [
      {
        id: behaviour.toolCall.id ?? `call_${hexId()}`,
        type: 'function',
        function: {
          name: behaviour.toolCall.name,
          arguments: JSON.stringify(behaviour.toolCall.input),
        },
      },
    ];
  }
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    system_fingerprint: 'fp_fake',
    service_tier: 'default',
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: behaviour.toolCall ? 'tool_calls' : 'stop',
      },
    ],
    usage: FAKE_CHAT_USAGE,
  };
}

function includeUsage(body: Record<string, unknown> | null): boolean {
  const options = body?.stream_options;
  return (
    typeof options === 'object' &&
    options !== null &&
    (options as Record<string, unknown>).include_usage === true
  );
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

class ResponsesEvents {
  private sequence = 0;
  constructor(private readonly response: ServerResponse) {}

  emit(type: string, payload: Record<string, unknown>): void {
    const data = { type, sequence_number: this.sequence++, ...payload };
    this.response.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}

interface ResponsesItems {
  message?: Record<string, unknown>;
  functionCall?: Record<string, unknown>;
}

function responsesItems(behaviour: OkBehaviour): ResponsesItems {
  const text = textOf(behaviour);
  const items: ResponsesItems = {};
  if (text !== '' || !behaviour.toolCall) {
    items.message = {
      id: `msg_${hexId()}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    };
  }
  if (behaviour.toolCall) items.functionCall = functionCallItem(behaviour.toolCall);
  return items;
}

function functionCallItem(toolCall: ToolCall): Record<string, unknown> {
  return {
    id: `fc_${hexId()}`,
    type: 'function_call',
    status: 'completed',
    call_id: toolCall.id ?? `call_${hexId()}`,
    name: toolCall.name,
    arguments: JSON.stringify(toolCall.input),
  };
}

function responsesObject(
  model: string,
  behaviour: OkBehaviour,
  status: 'completed' | 'in_progress',
  items: ResponsesItems = responsesItems(behaviour),
): Record<string, unknown> {
  return {
    id: `resp_${hexId()}`,
    object: 'response',
    created_at: nowSeconds(),
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: [items.message, items.functionCall].filter((item) => item !== undefined),
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: status === 'completed' ? FAKE_RESPONSES_USAGE : null,
    user: null,
    metadata: {},
  };
}

function responsesStream(response: ServerResponse, model: string, behaviour: OkBehaviour): void {
  const items = responsesItems(behaviour);
  const completed = responsesObject(model, behaviour, 'completed', items);
  const inProgress = { ...completed, status: 'in_progress', output: [], usage: null };
  const events = new ResponsesEvents(response);
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  events.emit('response.created', { response: inProgress });
  events.emit('response.in_progress', { response: inProgress });
  let outputIndex = 0;
  if (items.message) {
    const message = items.message;
    const text = textOf(behaviour);
    const itemId = message.id;
    const where = { item_id: itemId, output_index: outputIndex, content_index: 0 };
    events.emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...message, status: 'in_progress', content: [] },
    });
    events.emit('response.content_part.added', {
      ...where,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
    for (const delta of splitInTwo(text)) {
      events.emit('response.output_text.delta', { ...where, delta, logprobs: [] });
    }
    events.emit('response.output_text.done', { ...where, text, logprobs: [] });
    events.emit('response.content_part.done', {
      ...where,
      part: { type: 'output_text', text, annotations: [], logprobs: [] },
    });
    events.emit('response.output_item.done', { output_index: outputIndex, item: message });
    outputIndex += 1;
  }
  if (items.functionCall) {
    const call = items.functionCall;
    const args = call.arguments as string;
    const where = { item_id: call.id, output_index: outputIndex };
    events.emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...call, status: 'in_progress', arguments: '' },
    });
    for (const delta of splitInTwo(args, true)) {
      events.emit('response.function_call_arguments.delta', { ...where, delta });
    }
    events.emit('response.function_call_arguments.done', {
      ...where,
      name: call.name,
      arguments: args,
    });
    events.emit('response.output_item.done', { output_index: outputIndex, item: call });
  }
  events.emit('response.completed', { response: completed });
  response.end();
}

// ---------------------------------------------------------------------------------------------
// Gemini

function geminiChunk(
  model: string,
  responseId: string,
  parts: unknown[],
  last: boolean,
): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { parts, role: 'model' },
        ...(last ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    // Cumulative: intermediate chunks carry only the prompt count, the last one everything.
    usageMetadata: last
      ? FAKE_GEMINI_USAGE
      : {
          promptTokenCount: FAKE_PROVIDER_USAGE.prompt,
          cachedContentTokenCount: FAKE_PROVIDER_USAGE.cached,
          totalTokenCount: FAKE_PROVIDER_USAGE.prompt,
        },
    modelVersion: model,
    responseId,
  };
}

function geminiParts(behaviour: OkBehaviour): unknown[] {
  const text = textOf(behaviour);
  const parts: unknown[] = [];
  if (text !== '' || !behaviour.toolCall) parts.push({ text });
  if (behaviour.toolCall) parts.push(geminiFunctionCallPart(behaviour.toolCall));
  return parts;
}

function geminiFunctionCallPart(toolCall: ToolCall): unknown {
  return { functionCall: { name: toolCall.name, args: toolCall.input } };
}

function geminiResponse(model: string, behaviour: OkBehaviour): unknown {
  return geminiChunk(model, `gem_${hexId()}`, geminiParts(behaviour), true);
}

function geminiStreamChunks(model: string, behaviour: OkBehaviour): unknown[] {
  const responseId = `gem_${hexId()}`;
  const partsPerChunk: unknown[][] = splitInTwo(textOf(behaviour)).map((text) => [{ text }]);
  if (behaviour.toolCall) partsPerChunk.push([geminiFunctionCallPart(behaviour.toolCall)]);
  if (partsPerChunk.length === 0) partsPerChunk.push([{ text: '' }]);
  return partsPerChunk.map((parts, index) =>
    geminiChunk(model, responseId, parts, index === partsPerChunk.length - 1),
  );
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const GEMINI_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function errorBody(
  protocol: FakeProviderProtocol,
  status: number,
  message: string,
  retryAfter?: string,
): unknown {
  if (protocol === 'gemini') {
    const retrySeconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
    return {
      error: {
        code: status,
        message,
        status: GEMINI_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
        ...(Number.isFinite(retrySeconds)
          ? {
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.RetryInfo',
                  retryDelay: `${retrySeconds}s`,
                },
              ],
            }
          : {}),
      },
    };
  }
  let type = 'invalid_request_error';
  let code: string | null = null;
  if (status === 401) code = 'invalid_api_key';
  else if (status === 429) {
    type = 'requests';
    code = 'rate_limit_exceeded';
  } else if (status >= 500) {
    type = 'server_error';
    code = 'server_error';
  }
  return { error: { message, type, param: null, code } };
}

function retryHeader(behaviour: { retryAfter?: string }): Record<string, string> {
  return behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {};
}

function defaultKey(protocol: FakeProviderProtocol): string {
  return protocol === 'gemini' ? `AIzaFake-${randomUUID()}` : `sk-fake-${randomUUID()}`;
}

function textOf(behaviour: OkBehaviour): string {
  return behaviour.text ?? DEFAULT_FAKE_TEXT;
}

/** Splits into two non-empty pieces (by code point), one piece if too short, none if empty. */
function splitInTwo(text: string, alwaysTwo = false): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return alwaysTwo ? ['', ''] : [];
  if (chars.length === 1) return alwaysTwo ? [text, ''] : [text];
  const middle = Math.ceil(chars.length / 2);
  return [chars.slice(0, middle).join(''), chars.slice(middle).join('')];
}

function dataFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function hexId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 24);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
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
