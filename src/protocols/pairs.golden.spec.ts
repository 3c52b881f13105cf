/**
 * Golden tests over every ordered (client protocol, provider protocol) pair: the 16 ways a request
 * and its answer can cross the gateway. Each protocol has one small hand-written set of inputs
 * under `test/fixtures/protocols/pairs/inputs/<protocol>/` (a client request, an upstream answer,
 * an upstream stream); for the pair C__P the test checks, against goldens in
 * `test/fixtures/protocols/pairs/C__P/`:
 *
 * - the upstream request P builds from C's request (path, body, tool-name rewrites, drops);
 * - the answer C's client gets from P's non-streaming answer;
 * - the stream C's client gets from P's stream, identical however the upstream bytes are cut;
 * - the error bodies C's client gets from P's 429 and overloaded answers.
 *
 * `UPDATE_GOLDEN=1 npx jest src/protocols/pairs` rewrites the goldens; review the diff by hand.
 * Explicit assertions after the goldens name the invariants the goldens are meant to hold.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSse, seededRandom, splitAt } from '../../test/support/random-splits';
import { anthropicMessagesAdapter } from './anthropic-messages/anthropic-messages.adapter';
import { geminiAdapter } from './gemini/gemini.adapter';
import { IrRequest } from './ir/ir-request';
import { openAiChatAdapter } from './openai-chat/openai-chat.adapter';
import { openAiResponsesAdapter } from './openai-responses/openai-responses.adapter';
import { ConversionContext, ProtocolAdapter, WireProtocol } from './protocol-adapter';

const PAIRS_DIR = join(__dirname, '../../test/fixtures/protocols/pairs');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const ADAPTERS: Record<WireProtocol, ProtocolAdapter> = {
  anthropic: anthropicMessagesAdapter,
  'openai-chat': openAiChatAdapter,
  'openai-responses': openAiResponsesAdapter,
  gemini: geminiAdapter,
};
const PROTOCOLS = Object.keys(ADAPTERS) as WireProtocol[];
const PAIRS: [WireProtocol, WireProtocol][] = PROTOCOLS.flatMap((client) =>
  PROTOCOLS.map((provider): [WireProtocol, WireProtocol] => [client, provider]),
);

/** Upstream error answers as each provider writes them: a 429 and an overload. */
const UPSTREAM_ERRORS: Record<WireProtocol, { rateLimit: unknown; overloaded: [number, unknown] }> =
  {
    anthropic: {
      rateLimit: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit.',
        },
      },
      overloaded: [
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ],
    },
    'openai-chat': {
      rateLimit: {
        error: {
          message: 'Rate limit reached for gpt-4.1 on requests per min (RPM). Try again in 1s.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      overloaded: [
        503,
        {
          error: {
            message: 'The server is overloaded or not ready yet.',
            type: 'server_error',
            param: null,
            code: null,
          },
        },
      ],
    },
    'openai-responses': {
      rateLimit: {
        error: {
          message: 'Rate limit reached for gpt-5-codex on tokens per min (TPM). Try again in 2s.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      overloaded: [
        503,
        {
          error: {
            message: 'The server is overloaded or not ready yet.',
            type: 'server_error',
            param: null,
            code: null,
          },
        },
      ],
    },
    gemini: {
      rateLimit: {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
      overloaded: [
        503,
        {
          error: {
            code: 503,
            message: 'The model is overloaded. Please try again later.',
            status: 'UNAVAILABLE',
          },
        },
      ],
    },
  };

/** The fields of a client error body that carry its class, per client protocol. */
function errorClass(client: WireProtocol, body: unknown): Record<string, unknown> {
  const error = (body as { error: Record<string, unknown> }).error;
  switch (client) {
    case 'anthropic':
      return { type: error.type };
    case 'openai-chat':
    case 'openai-responses':
      return { type: error.type, code: error.code };
    case 'gemini':
      return { code: error.code, status: error.status };
  }
}

const RATE_LIMIT_CLASS: Record<WireProtocol, Record<string, unknown>> = {
  anthropic: { type: 'rate_limit_error' },
  'openai-chat': { type: 'requests', code: 'rate_limit_exceeded' },
  'openai-responses': { type: 'requests', code: 'rate_limit_exceeded' },
  gemini: { code: 429, status: 'RESOURCE_EXHAUSTED' },
};

/** Chat has no overload code of its own (OpenAI sends `server_error`): the 5xx status says it. */
const OVERLOADED_CLASS: Record<WireProtocol, Record<string, unknown>> = {
  anthropic: { type: 'overloaded_error' },
  'openai-chat': { type: 'server_error', code: null },
  'openai-responses': { type: 'server_error', code: 'server_is_overloaded' },
  gemini: { code: 503, status: 'UNAVAILABLE' },
};

interface PairContext extends ConversionContext {
  droppedItems: string[];
}

/** Fixed clock, `<prefix>pair<n>` ids, a fresh tool-name map, drops collected in order. */
function pairContext(): PairContext {
  let counter = 0;
  const droppedItems: string[] = [];
  return {
    now: () => 1_800_000_000_000,
    newId: (prefix) => `${prefix}pair${++counter}`,
    toolNames: new Map(),
    dropped: (what) => droppedItems.push(what),
    droppedItems,
  };
}

function inputText(protocol: WireProtocol, file: string): string {
  return readFileSync(join(PAIRS_DIR, 'inputs', protocol, file), 'utf8');
}

function inputJson(protocol: WireProtocol, file: string): unknown {
  return JSON.parse(inputText(protocol, file)) as unknown;
}

/** The client's request in IR; Gemini's model and stream flag come from its path (`meta.json`). */
function clientIr(client: WireProtocol): IrRequest {
  const hints =
    client === 'gemini'
      ? (inputJson('gemini', 'meta.json') as { model: string; stream: boolean })
      : {};
  return ADAPTERS[client].decodeRequest(inputJson(client, 'request.json'), hints);
}

/**
 * A context in the state the proxy leaves it in before reading the answer: the upstream request
 * was encoded with it (so its tool-name map is filled).
 */
function preparedContext(client: WireProtocol, provider: WireProtocol): PairContext {
  const context = pairContext();
  ADAPTERS[provider].encodeRequest(clientIr(client), context);
  return context;
}

function goldenPath(pair: string, file: string): string {
  return join(PAIRS_DIR, pair, file);
}

function expectGoldenJson(pair: string, file: string, actual: unknown): void {
  const normalised: unknown = JSON.parse(JSON.stringify(actual));
  const path = goldenPath(pair, file);
  if (UPDATE) {
    mkdirSync(join(PAIRS_DIR, pair), { recursive: true });
    writeFileSync(path, `${JSON.stringify(normalised, null, 2)}\n`);
  }
  if (!existsSync(path)) throw new Error(`Missing golden ${path} (run with UPDATE_GOLDEN=1)`);
  expect(normalised).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

function expectGoldenText(pair: string, file: string, actual: string): void {
  const path = goldenPath(pair, file);
  if (UPDATE) {
    mkdirSync(join(PAIRS_DIR, pair), { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) throw new Error(`Missing golden ${path} (run with UPDATE_GOLDEN=1)`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** P's upstream stream bytes, delivered in `chunks`, relayed to C's client as SSE text. */
function relay(client: WireProtocol, provider: WireProtocol, chunks: Uint8Array[]): string {
  const request = clientIr(client);
  const context = preparedContext(client, provider);
  const decoder = ADAPTERS[provider].createStreamDecoder(context);
  const encoder = ADAPTERS[client].createStreamEncoder(request, context);
  let out = '';
  for (const event of parseSse(chunks)) {
    for (const irEvent of decoder.push(event)) out += encoder.encode(irEvent);
  }
  for (const irEvent of decoder.end()) out += encoder.encode(irEvent);
  return out + encoder.finish();
}

/** Random cut points (duplicates and both ends allowed), `count` of them. */
function randomOffsets(random: () => number, length: number, count: number): number[] {
  return Array.from({ length: count }, () => Math.floor(random() * (length + 1)));
}

/** The `data:` payloads of an SSE text that are JSON (not `[DONE]`). */
function jsonFrames(sse: string): Record<string, unknown>[] {
  return parseSse([sse])
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

const pairName = (client: WireProtocol, provider: WireProtocol): string => `${client}__${provider}`;

describe.each(PAIRS)('client %s → provider %s', (client, provider) => {
  const pair = pairName(client, provider);
  const C = ADAPTERS[client];
  const P = ADAPTERS[provider];

  it('encodes the upstream request', () => {
    const context = pairContext();
    const encoded = P.encodeRequest(clientIr(client), context);
    expectGoldenJson(pair, 'upstream-request.json', {
      path: encoded.path,
      body: encoded.body,
      toolNames: Object.fromEntries(context.toolNames),
      dropped: context.droppedItems,
    });
  });

  it('answers the client from a non-streaming upstream answer', () => {
    const request = clientIr(client);
    const context = preparedContext(client, provider);
    const response = P.decodeResponse(inputJson(provider, 'response.json'), context);
    expectGoldenJson(pair, 'client-response.json', C.encodeResponse(response, request, context));
  });

  it('relays the upstream stream, whatever the byte boundaries', () => {
    const bytes = new TextEncoder().encode(inputText(provider, 'stream.sse'));
    const whole = relay(client, provider, [bytes]);
    expectGoldenText(pair, 'client-stream.sse', whole);

    const byteByByte = relay(
      client,
      provider,
      splitAt(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      ),
    );
    expect(byteByByte).toBe(whole);
    for (let seed = 1; seed <= 12; seed++) {
      const random = seededRandom(seed * 7919);
      const offsets = randomOffsets(random, bytes.length, 30 + Math.floor(random() * 30));
      expect({ seed, out: relay(client, provider, splitAt(bytes, offsets)) }).toEqual({
        seed,
        out: whole,
      });
    }
  });

  it('passes upstream 429 and overload errors on in the client envelope', () => {
    const [overloadStatus, overloadBody] = UPSTREAM_ERRORS[provider].overloaded;
    const rateLimit = P.decodeError(429, UPSTREAM_ERRORS[provider].rateLimit);
    const overloaded = P.decodeError(overloadStatus, overloadBody);
    const golden = {
      rateLimit: {
        upstreamStatus: 429,
        decoded: rateLimit,
        body: C.encodeError(rateLimit.status, rateLimit.errorType, rateLimit.message),
      },
      overloaded: {
        upstreamStatus: overloadStatus,
        decoded: overloaded,
        body: C.encodeError(overloaded.status, overloaded.errorType, overloaded.message),
      },
    };
    expectGoldenJson(pair, 'client-error.json', golden);

    expect(rateLimit).toMatchObject({ status: 429, errorType: 'rate_limit_error' });
    expect(errorClass(client, golden.rateLimit.body)).toEqual(RATE_LIMIT_CLASS[client]);
    expect(overloaded.status).toBe(overloadStatus);
  });

  // A generic `server_error` 503 from OpenAI must stay an overload, not become a plain API error.
  it('should keep the overload class of a 529/503', () => {
    const [overloadStatus, overloadBody] = UPSTREAM_ERRORS[provider].overloaded;
    const overloaded = P.decodeError(overloadStatus, overloadBody);
    expect(overloaded).toMatchObject({ status: overloadStatus, errorType: 'overloaded_error' });
    const body = C.encodeError(overloaded.status, overloaded.errorType, overloaded.message);
    expect(errorClass(client, body)).toEqual(OVERLOADED_CLASS[client]);
  });
});

describe('pair invariants the goldens are meant to hold', () => {
  function upstream(
    client: WireProtocol,
    provider: WireProtocol,
  ): {
    body: Record<string, unknown>;
    context: PairContext;
  } {
    const context = pairContext();
    const body = ADAPTERS[provider].encodeRequest(clientIr(client), context).body;
    return { body: body as Record<string, unknown>, context };
  }

  it('responses → anthropic: adds prompt-cache breakpoints to a request that had none', () => {
    const { body } = upstream('openai-responses', 'anthropic');
    const system = body.system as { cache_control?: unknown }[];
    const tools = body.tools as { cache_control?: unknown }[];
    const messages = body.messages as { content: { cache_control?: unknown }[] }[];
    expect(system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(tools.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(messages.at(-1)?.content.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
  });

  it('anthropic → anthropic: keeps the client cache hints and adds none of its own', () => {
    const { body } = upstream('anthropic', 'anthropic');
    const marked = JSON.stringify(body).match(/cache_control/g) ?? [];
    expect(marked).toHaveLength(1);
    expect((body.system as { cache_control?: unknown }[])[0].cache_control).toEqual({
      type: 'ephemeral',
    });
  });

  it('gemini → openai-chat: gives the id-less Gemini call an id its result quotes', () => {
    const { body } = upstream('gemini', 'openai-chat');
    const messages = body.messages as {
      role: string;
      tool_calls?: { id: string }[];
      tool_call_id?: string;
    }[];
    const call = messages.find((message) => message.tool_calls)?.tool_calls?.[0];
    const result = messages.find((message) => message.role === 'tool');
    expect(call?.id).toEqual(expect.any(String));
    expect(call?.id).not.toBe('');
    expect(result?.tool_call_id).toBe(call?.id);
  });

  it('gemini → others: a dotted MCP tool name is rewritten and mapped back', () => {
    for (const provider of ['anthropic', 'openai-chat', 'openai-responses'] as const) {
      const { context } = upstream('gemini', provider);
      expect([...context.toolNames.values()]).toContain('docs.search');
    }
  });

  it('anthropic → gemini: the mid-conversation system message loses its position', () => {
    const { body, context } = upstream('anthropic', 'gemini');
    const contents = body.contents as { role: string }[];
    expect(new Set(contents.map((content) => content.role))).toEqual(new Set(['user', 'model']));
    const system = body.systemInstruction as { parts: { text: string }[] };
    expect(system.parts.map((part) => part.text)).toEqual([
      'You are a careful coding agent. Keep answers short.',
      'The working directory is /srv/app.',
    ]);
    expect(context.droppedItems).toContain('mid-conversation system position');
  });

  it('anthropic → anthropic: the mid-conversation system message stays in place', () => {
    const { body } = upstream('anthropic', 'anthropic');
    const messages = body.messages as { role: string; content: { text?: string }[] }[];
    expect(messages[0].content.map((block) => block.text)).toEqual([
      'What is in the repo root?',
      '<system-reminder>\nThe working directory is /srv/app.\n</system-reminder>',
    ]);
  });

  it.each(PROTOCOLS)('%s → openai-chat client stream ends with [DONE]', (provider) => {
    const sse = readFileSync(
      goldenPath(pairName('openai-chat', provider), 'client-stream.sse'),
      'utf8',
    );
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sse.match(/\[DONE\]/g)).toHaveLength(1);
  });

  it.each(PROTOCOLS)(
    '%s → openai-responses client stream ends with response.completed and integer usage',
    (provider) => {
      const sse = readFileSync(
        goldenPath(pairName('openai-responses', provider), 'client-stream.sse'),
        'utf8',
      );
      const last = jsonFrames(sse).at(-1) as {
        type: string;
        response: { usage: Record<string, unknown> };
      };
      expect(last.type).toBe('response.completed');
      const usage = last.response.usage as {
        input_tokens: number;
        output_tokens: number;
        total_tokens: number;
        input_tokens_details: { cached_tokens: number };
      };
      for (const value of [
        usage.input_tokens,
        usage.output_tokens,
        usage.total_tokens,
        usage.input_tokens_details.cached_tokens,
      ]) {
        expect(Number.isInteger(value)).toBe(true);
      }
      expect(usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    },
  );

  it.each(PROTOCOLS)('%s → anthropic client stream ends with message_stop', (provider) => {
    const sse = readFileSync(
      goldenPath(pairName('anthropic', provider), 'client-stream.sse'),
      'utf8',
    );
    expect(jsonFrames(sse).at(-1)).toEqual({ type: 'message_stop' });
  });

  it.each(PAIRS)(
    '%s client ← %s: the tool call keeps an id and its arguments',
    (client, provider) => {
      const body = JSON.stringify(
        JSON.parse(
          readFileSync(goldenPath(pairName(client, provider), 'client-response.json'), 'utf8'),
        ),
      );
      expect(body).toContain('README');
      // Arguments: an object for Anthropic/Gemini, a JSON string for OpenAI.
      expect(body).toMatch(/cat README\.md|\\"cat\\",\\"README\.md\\"|"cat","README\.md"/);
      if (client !== 'gemini') {
        // Gemini answers carry no id the client needs; the others must name the call.
        expect(body).toMatch(/"(id|call_id)":"(toolu_|call_)[A-Za-z0-9_]+"/);
      }
    },
  );
});
