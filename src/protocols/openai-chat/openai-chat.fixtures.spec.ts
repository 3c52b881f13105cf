/**
 * Golden fixtures under test/fixtures/protocols/openai-chat. Run with UPDATE_FIXTURES=1 to rewrite
 * the expected files after a deliberate change (then review the diff).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord } from '../common/json-narrowing';
import { IrStreamEvent } from '../ir/ir-stream';
import { ConversionContext } from '../protocol-adapter';
import { SseParser } from '../sse/sse-parser';
import { openAiChatAdapter } from './openai-chat.adapter';
import { seededRandom, splitAt } from '../../../test/support/random-splits';

const ROOT = join(__dirname, '../../../test/fixtures/protocols/openai-chat');
const UPDATE = process.env.UPDATE_FIXTURES === '1';

interface TestContext extends ConversionContext {
  droppedItems: string[];
}

/** Fixed clock and counter ids, so every output is reproducible. */
function testContext(toolNames: Record<string, string> = {}): TestContext {
  let counter = 0;
  const droppedItems: string[] = [];
  return {
    now: () => 1_800_000_000_000,
    newId: (prefix) => `${prefix}test${++counter}`,
    toolNames: new Map(Object.entries(toolNames)),
    dropped: (what) => droppedItems.push(what),
    droppedItems,
  };
}

function cases(kind: string): string[] {
  return readdirSync(join(ROOT, kind)).sort();
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function optionalJson<T>(path: string, fallback: T): T {
  return existsSync(path) ? (readJson(path) as T) : fallback;
}

/** Compares with the golden file, or writes it when UPDATE_FIXTURES=1. */
function expectGoldenJson(path: string, actual: unknown): void {
  const normalised: unknown = JSON.parse(JSON.stringify(actual));
  if (UPDATE) writeFileSync(path, `${JSON.stringify(normalised, null, 2)}\n`);
  expect(normalised).toEqual(readJson(path));
}

function expectGoldenText(path: string, actual: string): void {
  if (UPDATE) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function decodeStream(chunks: Uint8Array[], toolNames: Record<string, string>): IrStreamEvent[] {
  const parser = new SseParser();
  const decoder = openAiChatAdapter.createStreamDecoder(testContext(toolNames));
  const events: IrStreamEvent[] = [];
  for (const chunk of chunks) {
    for (const sse of parser.push(chunk)) events.push(...decoder.push(sse));
  }
  for (const sse of parser.end()) events.push(...decoder.push(sse));
  events.push(...decoder.end());
  return events;
}

const DEFAULT_STREAM_REQUEST = {
  model: 'gpt-test',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
  stream_options: { include_usage: true },
};

/**
 * The documented normalisations of decode → encode, applied to a client body so that it can be
 * compared with the upstream body: developer → system; leading system messages merged into one;
 * a lone text part → a string; max_tokens → max_completion_tokens; stop → array; parallel_tool_calls
 * implies tool_choice "auto"; `$schema` stripped; reasoning_content dropped; invalid tool arguments
 * → {}; tool_choice without tools dropped; unknown fields and stream:false dropped; stream:true always asks for usage.
 */
interface WireCall {
  function: { name: string; arguments: unknown };
}
interface WireTool {
  function: { parameters?: Record<string, unknown> };
}

function normaliseClientBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { model: body.model };
  const messages: Record<string, unknown>[] = [];
  let leadingSystem: unknown[] | null = [];
  for (const raw of body.messages as Record<string, unknown>[]) {
    const message: Record<string, unknown> = { ...raw };
    if (message.role === 'developer') message.role = 'system';
    delete message.reasoning_content;
    if (Array.isArray(message.content) && message.content.length === 1) {
      const [part] = message.content as Record<string, unknown>[];
      if (part.type === 'text') message.content = part.text;
    }
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls = (message.tool_calls as WireCall[]).map((call) => {
        let args: unknown;
        try {
          args = JSON.parse(call.function.arguments as string);
        } catch {
          args = {};
        }
        return { ...call, function: { ...call.function, arguments: args } };
      });
    }
    if (leadingSystem && message.role === 'system') {
      const parts = Array.isArray(message.content)
        ? message.content
        : [{ type: 'text', text: message.content }];
      leadingSystem.push(...(parts as unknown[]));
      continue;
    }
    if (leadingSystem && leadingSystem.length > 0) {
      const single =
        leadingSystem.length === 1 ? (leadingSystem[0] as { text: string }).text : null;
      messages.push({ role: 'system', content: single ?? leadingSystem });
    }
    leadingSystem = null;
    messages.push(message);
  }
  out.messages = messages;
  if (Array.isArray(body.tools)) {
    out.tools = (body.tools as WireTool[]).map((tool) => {
      const parameters = { ...tool.function.parameters };
      delete parameters.$schema;
      return { ...tool, function: { ...tool.function, parameters } };
    });
  }
  if (body.tool_choice !== undefined) out.tool_choice = body.tool_choice;
  if (body.parallel_tool_calls !== undefined) {
    out.parallel_tool_calls = body.parallel_tool_calls;
    out.tool_choice ??= 'auto';
  }
  if (out.tools === undefined) {
    delete out.tool_choice;
    delete out.parallel_tool_calls;
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) out.max_completion_tokens = maxTokens;
  for (const key of ['temperature', 'top_p', 'reasoning_effort', 'response_format', 'user']) {
    if (body[key] !== undefined) out[key] = body[key];
  }
  if (body.stop !== undefined) out.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** Tool arguments parsed, so JSON spacing does not matter. */
function parseArguments(body: Record<string, unknown>): Record<string, unknown> {
  const messages = (body.messages as Record<string, unknown>[]).map((message) =>
    Array.isArray(message.tool_calls)
      ? {
          ...message,
          tool_calls: (message.tool_calls as WireCall[]).map((call) => ({
            ...call,
            function: {
              ...call.function,
              arguments: JSON.parse(call.function.arguments as string),
            },
          })),
        }
      : message,
  );
  return { ...body, messages };
}

describe(openAiChatAdapter.decodeRequest.name || 'decodeRequest', () => {
  describe.each(cases('requests'))('request fixture %s', (name) => {
    const dir = join(ROOT, 'requests', name);
    const input = readJson(join(dir, 'in.json')) as Record<string, unknown>;

    it('should decode the client body into the expected IR', () => {
      expectGoldenJson(join(dir, 'ir.json'), openAiChatAdapter.decodeRequest(input, {}));
    });

    it('should encode the IR into the expected upstream request', () => {
      const context = testContext();
      const ir = openAiChatAdapter.decodeRequest(input, {});
      const encoded = openAiChatAdapter.encodeRequest(ir, context);
      expect(encoded.path).toBe('chat/completions');
      expectGoldenJson(join(dir, 'upstream.json'), {
        body: encoded.body,
        dropped: context.droppedItems,
      });
    });

    it('should give back an equivalent body when round-tripped', () => {
      const ir = openAiChatAdapter.decodeRequest(input, {});
      const encoded = openAiChatAdapter.encodeRequest(ir, testContext());
      expect(parseArguments(encoded.body as Record<string, unknown>)).toEqual(
        normaliseClientBody(input),
      );
    });
  });
});

describe(openAiChatAdapter.decodeResponse.name || 'decodeResponse', () => {
  describe.each(cases('responses'))('response fixture %s', (name) => {
    const dir = join(ROOT, 'responses', name);
    const toolNames = optionalJson<Record<string, string>>(join(dir, 'toolNames.json'), {});

    it('should decode the upstream answer into the expected IR and re-encode it for a client', () => {
      const ir = openAiChatAdapter.decodeResponse(
        readJson(join(dir, 'upstream.json')),
        testContext(toolNames),
      );
      expectGoldenJson(join(dir, 'ir.json'), ir);
      const request = openAiChatAdapter.decodeRequest(DEFAULT_STREAM_REQUEST, {});
      expectGoldenJson(
        join(dir, 'client.json'),
        openAiChatAdapter.encodeResponse(ir, request, testContext()),
      );
    });
  });
});

describe(openAiChatAdapter.createStreamDecoder.name || 'createStreamDecoder', () => {
  describe.each(cases('streams'))('stream fixture %s', (name) => {
    const dir = join(ROOT, 'streams', name);
    const bytes = new Uint8Array(readFileSync(join(dir, 'upstream.sse')));
    const toolNames = optionalJson<Record<string, string>>(join(dir, 'toolNames.json'), {});

    it('should decode the upstream stream into the expected IR events', () => {
      expectGoldenJson(join(dir, 'ir-events.json'), decodeStream([bytes], toolNames));
    });

    it('should decode identical IR events when the bytes are split at 60 random offsets', () => {
      const expected = decodeStream([bytes], toolNames);
      const random = seededRandom(0xc4a7 + name.length);
      for (let round = 0; round < 60; round++) {
        const cuts = Array.from({ length: 1 + Math.floor(random() * 10) }, () =>
          Math.floor(random() * (bytes.length + 1)),
        );
        expect(decodeStream(splitAt(bytes, cuts), toolNames)).toEqual(expected);
      }
    });

    it('should encode the IR events into the expected client stream', () => {
      const events = readJson(join(dir, 'ir-events.json')) as IrStreamEvent[];
      const request = openAiChatAdapter.decodeRequest(
        optionalJson(join(dir, 'request.json'), DEFAULT_STREAM_REQUEST),
        {},
      );
      const encoder = openAiChatAdapter.createStreamEncoder(request, testContext());
      let text = events.map((event) => encoder.encode(event)).join('');
      const last = events[events.length - 1];
      // As the relay does: a stream that never finished gets the in-band error.
      text +=
        last.type === 'finish' || last.type === 'error'
          ? encoder.finish()
          : encoder.fail(502, 'api_error', 'The upstream stream ended early.');
      expect(encoder.finish()).toBe('');
      expectGoldenText(join(dir, 'client.sse'), text);

      const frames = new SseParser().push(text);
      expect(frames.every((frame) => frame.event === undefined)).toBe(true);
      expect(frames[frames.length - 1].data).toBe('[DONE]');
      for (const frame of frames.slice(0, -1)) expect(isRecord(JSON.parse(frame.data))).toBe(true);
    });
  });
});

describe(openAiChatAdapter.decodeError.name || 'decodeError', () => {
  const decodeCases = readJson(join(ROOT, 'errors/decode.json')) as {
    name: string;
    status: number;
    body: unknown;
    expected: unknown;
  }[];
  it.each(decodeCases.map((c) => [c.name, c] as const))(
    'should classify the upstream error when it is %s',
    (_name, c) => {
      expect(openAiChatAdapter.decodeError(c.status, c.body)).toEqual(c.expected);
    },
  );

  const encodeCases = readJson(join(ROOT, 'errors/encode.json')) as {
    status: number;
    errorType: string;
    message: string;
    expected: unknown;
  }[];
  it.each(encodeCases.map((c) => [c.errorType, c] as const))(
    'should write an OpenAI error body when the error type is %s',
    (_type, c) => {
      expect(openAiChatAdapter.encodeError(c.status, c.errorType, c.message)).toEqual(c.expected);
    },
  );
});
