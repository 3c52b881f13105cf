import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { BODY_LIMIT_BYTES } from '../../src/bootstrap';
import { FakeAnthropic } from '../support/fake-anthropic';
import { seededRandom } from '../support/random-splits';
import { seedProvider, seedUserAndKey, SeededKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/**
 * Deterministic fuzzing of every proxy and admin route with malformed input: every answer must be
 * a 4xx in the route's own error envelope, never a 5xx and never a hang.
 */

const SEED = 0xcc4f022;

/** Anthropic bodies go upstream as they are: the gateway checks model, messages, max_tokens, stream. */
const ANTHROPIC_LENIENT =
  /^wrong type: (content|messages entry|metadata|role|system|temperature|thinking|tools|random (system|tools|tool_choice)=)/;
/** Gemini's decoder ignores malformed optional fields (generationConfig, tools, systemInstruction). */
const GEMINI_LENIENT =
  /^wrong type: (generationConfig|maxOutputTokens|part as|role|systemInstruction|text as|tools|random (generationConfig|systemInstruction|tools)=)/;
const MODEL = 'claude-sonnet-4-6';
const TIMEOUT_MS = 10_000;

type Envelope = 'anthropic' | 'openai' | 'gemini' | 'admin';

interface FuzzCase {
  name: string;
  method: string;
  path: string;
  envelope: Envelope;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Malformed, but the gateway leaves it to the upstream: a 2xx is acceptable, a 5xx never. */
  lenient?: boolean;
}

interface FuzzResult {
  status: number;
  text: string;
}

type Pick = <T>(items: readonly T[]) => T;

const deep = (levels: number, open: string, close: string, leaf = '1'): string =>
  open.repeat(levels) + leaf + close.repeat(levels);

/** Bodies that are not valid JSON at all. */
function invalidJsonBodies(valid: string): [string, string][] {
  return [
    ['truncated', valid.slice(0, Math.floor(valid.length / 2))],
    ['trailing garbage', `${valid} }}garbage`],
    ['NaN literal', '{"model":NaN,"max_tokens":NaN}'],
    ['Infinity literal', '{"max_tokens":Infinity}'],
    ['single quotes', "{'model':'x'}"],
    ['bare word', 'undefined'],
    ['BOM prefixed', `\uFEFF${valid}`],
    ['unterminated string', '{"model":"abc'],
    ['lone surrogate escape', '{"model":"\\ud800"'],
    ['bad escape', '{"model":"\\x41"}'],
    ['comments', `/* hi */ ${valid}`],
  ];
}

/** Bodies that are valid JSON but of the wrong shape for any route. */
function wrongShapeBodies(): [string, string][] {
  return [
    ['top-level array', '[]'],
    ['top-level array of objects', '[{"model":"x"}]'],
    ['top-level string', '"hello"'],
    ['top-level number', '42'],
    ['top-level null', 'null'],
    ['top-level true', 'true'],
    ['empty object', '{}'],
    ['huge number', `{"max_tokens":1e400,"model":${'9'.repeat(400)}}`],
    ['deep arrays 10k', deep(10_000, '[', ']')],
    ['deep objects 10k', deep(10_000, '{"a":', '}')],
  ];
}

const NASTY_STRINGS = [
  'a\u0000b',
  '\u0000',
  '\ud83d\ude00\u202e\u200b',
  '\ufffe\uffff',
  'x'.repeat(70_000),
  '../../etc/passwd',
  "'; DROP TABLE users; --",
  '%00%ff',
  '',
  ' ',
];

const WRONG_VALUES: unknown[] = [
  { a: 1 },
  [1, 2],
  'yes',
  -1,
  1.5,
  1e308,
  -1e308,
  0,
  null,
  true,
  '',
  '\u0000',
  Number.MAX_SAFE_INTEGER + 2,
];

function anthropicBodies(pick: Pick, count: number): [string, string][] {
  const base = (): Record<string, unknown> => ({
    model: MODEL,
    max_tokens: 16,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const fixed: [string, Record<string, unknown>][] = [
    ['model as object', { ...base(), model: { id: MODEL } }],
    ['model as number', { ...base(), model: 7 }],
    ['model missing', { max_tokens: 16, messages: base().messages }],
    ['messages as string', { ...base(), messages: 'hi' }],
    ['messages as object', { ...base(), messages: { role: 'user' } }],
    ['messages entry as number', { ...base(), messages: [1] }],
    ['messages entry as null', { ...base(), messages: [null] }],
    ['content as number', { ...base(), messages: [{ role: 'user', content: 5 }] }],
    ['content block nulls', { ...base(), messages: [{ role: 'user', content: [null] }] }],
    [
      'content block bad type',
      { ...base(), messages: [{ role: 'user', content: [{ type: 42, text: {} }] }] },
    ],
    ['role as number', { ...base(), messages: [{ role: 1, content: 'hi' }] }],
    ['max_tokens negative', { ...base(), max_tokens: -1 }],
    ['max_tokens float', { ...base(), max_tokens: 1.5 }],
    ['max_tokens string', { ...base(), max_tokens: '16' }],
    ['max_tokens huge', { ...base(), max_tokens: 1e308 }],
    ['stream as "yes"', { ...base(), stream: 'yes' }],
    ['tools as object', { ...base(), tools: { name: 'x' } }],
    ['tools entry as string', { ...base(), tools: ['x'] }],
    ['system as number', { ...base(), system: 5 }],
    ['metadata as string', { ...base(), metadata: 'x' }],
    ['thinking as string', { ...base(), thinking: 'on' }],
    ['temperature as string', { ...base(), temperature: 'hot' }],
  ];
  const out: [string, string][] = fixed.map(([name, body]) => [name, JSON.stringify(body)]);
  const fields = ['model', 'max_tokens', 'messages', 'stream', 'tools', 'system', 'tool_choice'];
  for (let i = 0; i < count; i++) {
    const field = pick(fields);
    const value = pick(WRONG_VALUES);
    // Only values that make the request invalid for that field.
    if (field === 'stream' && typeof value === 'boolean') continue;
    if (field === 'max_tokens' && Number.isInteger(value) && (value as number) > 0) continue;
    const body = { ...base(), [field]: value };
    if (field === 'messages' && Array.isArray(value)) body.messages = [value];
    if (field === 'model' && typeof value === 'string' && value.length > 0) continue;
    out.push([`random ${field}=${JSON.stringify(value)}`, JSON.stringify(body)]);
  }
  return out;
}

function openAiChatBodies(pick: Pick, count: number): [string, string][] {
  const base = (): Record<string, unknown> => ({
    model: MODEL,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const fixed: [string, Record<string, unknown>][] = [
    ['model as object', { ...base(), model: { id: 1 } }],
    ['model missing', { messages: base().messages }],
    ['messages as string', { ...base(), messages: 'hi' }],
    ['messages empty', { ...base(), messages: [] }],
    ['messages entry as number', { ...base(), messages: [3] }],
    ['content as number', { ...base(), messages: [{ role: 'user', content: 3 }] }],
    ['role unknown', { ...base(), messages: [{ role: 'wizard', content: 'hi' }] }],
    ['max_tokens negative', { ...base(), max_tokens: -5 }],
    ['max_tokens float', { ...base(), max_tokens: 2.5 }],
    ['max_tokens string', { ...base(), max_tokens: 'ten' }],
    ['max_completion_tokens object', { ...base(), max_completion_tokens: {} }],
    ['stream as "yes"', { ...base(), stream: 'yes' }],
    ['tools as object', { ...base(), tools: { type: 'function' } }],
    ['tools entry without function', { ...base(), tools: [{ type: 'function' }] }],
    ['tool_choice as number', { ...base(), tool_choice: 4 }],
    [
      'tool_calls as string',
      { ...base(), messages: [{ role: 'assistant', content: null, tool_calls: 'x' }] },
    ],
  ];
  const out: [string, string][] = fixed.map(([name, body]) => [name, JSON.stringify(body)]);
  const fields = ['model', 'messages', 'max_tokens', 'stream', 'tools'];
  for (let i = 0; i < count; i++) {
    const field = pick(fields);
    const value = pick(WRONG_VALUES);
    if (field === 'stream' && typeof value === 'boolean') continue;
    if (
      field === 'max_tokens' &&
      ((Number.isInteger(value) && (value as number) > 0) || value === null)
    )
      continue;
    if (field === 'model' && typeof value === 'string' && value.length > 0) continue;
    out.push([
      `random ${field}=${JSON.stringify(value)}`,
      JSON.stringify({ ...base(), [field]: value }),
    ]);
  }
  return out;
}

function responsesBodies(pick: Pick, count: number): [string, string][] {
  const base = (): Record<string, unknown> => ({ model: MODEL, input: 'hi' });
  const fixed: [string, Record<string, unknown>][] = [
    ['model as object', { ...base(), model: { id: 1 } }],
    ['model missing', { input: 'hi' }],
    ['input as number', { ...base(), input: 5 }],
    ['input entry as number', { ...base(), input: [5] }],
    ['input entry bad type', { ...base(), input: [{ type: 'bogus' }] }],
    ['input message content as number', { ...base(), input: [{ role: 'user', content: 5 }] }],
    ['max_output_tokens negative', { ...base(), max_output_tokens: -1 }],
    ['max_output_tokens float', { ...base(), max_output_tokens: 1.5 }],
    ['max_output_tokens string', { ...base(), max_output_tokens: '5' }],
    ['stream as "yes"', { ...base(), stream: 'yes' }],
    ['tools as object', { ...base(), tools: { type: 'function' } }],
    ['instructions as object', { ...base(), instructions: {} }],
    ['prompt_cache_key as object', { ...base(), prompt_cache_key: {}, input: 5 }],
  ];
  const out: [string, string][] = fixed.map(([name, body]) => [name, JSON.stringify(body)]);
  const fields = ['model', 'input', 'max_output_tokens', 'stream', 'tools'];
  for (let i = 0; i < count; i++) {
    const field = pick(fields);
    const value = pick(WRONG_VALUES);
    if (field === 'stream' && typeof value === 'boolean') continue;
    if (
      field === 'max_output_tokens' &&
      ((Number.isInteger(value) && (value as number) > 0) || value === null)
    )
      continue;
    if ((field === 'model' || field === 'input') && typeof value === 'string' && value.length > 0)
      continue;
    out.push([
      `random ${field}=${JSON.stringify(value)}`,
      JSON.stringify({ ...base(), [field]: value }),
    ]);
  }
  return out;
}

function geminiBodies(pick: Pick, count: number): [string, string][] {
  const base = (): Record<string, unknown> => ({
    contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
  });
  const fixed: [string, Record<string, unknown>][] = [
    ['contents as number', { contents: 5 }],
    ['contents as string', { contents: 'hi' }],
    ['contents missing', {}],
    ['contents entry as number', { contents: [1] }],
    ['parts as string', { contents: [{ role: 'user', parts: 'hi' }] }],
    ['part as number', { contents: [{ role: 'user', parts: [1] }] }],
    ['text as object', { contents: [{ role: 'user', parts: [{ text: {} }] }] }],
    ['role as number', { contents: [{ role: 3, parts: [{ text: 'hi' }] }] }],
    ['generationConfig as string', { ...base(), generationConfig: 'x' }],
    ['maxOutputTokens negative', { ...base(), generationConfig: { maxOutputTokens: -1 } }],
    ['maxOutputTokens string', { ...base(), generationConfig: { maxOutputTokens: 'ten' } }],
    ['tools as object', { ...base(), tools: { functionDeclarations: 1 } }],
    ['systemInstruction as number', { ...base(), systemInstruction: 5 }],
  ];
  const out: [string, string][] = fixed.map(([name, body]) => [name, JSON.stringify(body)]);
  const fields = ['contents', 'tools', 'generationConfig', 'systemInstruction'];
  for (let i = 0; i < count; i++) {
    const field = pick(fields);
    const value = pick(WRONG_VALUES);
    if (field !== 'contents' && value === null) continue;
    out.push([
      `random ${field}=${JSON.stringify(value)}`,
      JSON.stringify({ ...base(), [field]: value }),
    ]);
  }
  return out;
}

/** Sends one request; a hang or a connection error is reported as status 0. */
async function send(baseUrl: string, fuzz: FuzzCase): Promise<FuzzResult> {
  try {
    const response = await fetch(`${baseUrl}${fuzz.path}`, {
      method: fuzz.method,
      headers: fuzz.headers,
      body: fuzz.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { status: 0, text: `request failed: ${String(error)}` };
  }
}

/** Raw HTTP/1.1 (fetch would refuse or retry some of these); resolves on the response head. */
function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<FuzzResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        timeout: TIMEOUT_MS * 3,
        // A connection of its own: Node closes it after a 431 or 413.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: 0, text: 'timeout' });
    });
    // The server may answer and close before the whole body is written: only the answer matters.
    req.on('error', (error) => resolve({ status: 0, text: `request failed: ${String(error)}` }));
    req.end(body);
  });
}

/** Returns a description of what is wrong with the answer, or null when it is acceptable. */
function judge(fuzz: FuzzCase, result: FuzzResult, allowNoBody431 = false): string | null {
  if (fuzz.lenient === true && result.status >= 200 && result.status < 300) return null;
  if (result.status < 400 || result.status >= 500) {
    return `status ${result.status}`;
  }
  if (allowNoBody431 && result.status === 431) return null;
  let body: unknown;
  try {
    body = JSON.parse(result.text);
  } catch {
    return `status ${result.status} with a non-JSON body`;
  }
  return envelopeProblem(fuzz.envelope, result.status, body);
}

function envelopeProblem(envelope: Envelope, status: number, body: unknown): string | null {
  const record = (value: unknown): Record<string, unknown> | null =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  const top = record(body);
  const error = record(top?.error);
  switch (envelope) {
    case 'anthropic':
      return top?.type === 'error' &&
        typeof error?.type === 'string' &&
        typeof error.message === 'string'
        ? null
        : 'not an Anthropic error envelope';
    case 'openai':
      return typeof error?.message === 'string' && typeof error.type === 'string'
        ? null
        : 'not an OpenAI error envelope';
    case 'gemini':
      return typeof error?.code === 'number' &&
        typeof error.message === 'string' &&
        typeof error.status === 'string'
        ? null
        : 'not a Gemini error envelope';
    case 'admin': {
      const message = top?.message;
      const messageOk =
        typeof message === 'string' ||
        (Array.isArray(message) && message.every((m) => typeof m === 'string'));
      return top?.statusCode === status && messageOk ? null : 'not a Nest error envelope';
    }
  }
}

describe('Fuzzing: malformed input on every route', () => {
  let ctx: TestApp;
  let upstream: FakeAnthropic;
  let caller: SeededKey;
  let userId: string;
  let keyId: string;
  let providerId: string;
  const failures: string[] = [];
  let total = 0;
  /** Wrong admin credentials lock the address out (429) for a while: they are sent last. */
  const wrongCredentialCases: FuzzCase[] = [];

  beforeAll(async () => {
    ctx = await startTestApp();
    upstream = await FakeAnthropic.start();
    const group = `g-${randomUUID().slice(0, 8)}`;
    providerId = await seedProvider(ctx.baseUrl, {
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [group],
    });
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
    userId = caller.userId;
    keyId = caller.keyId;
  });

  afterAll(async () => {
    await upstream.close();
    await ctx.close();
  });

  const record = (fuzz: FuzzCase, result: FuzzResult, allow431 = false): void => {
    total += 1;
    const problem = judge(fuzz, result, allow431);
    if (problem !== null) {
      failures.push(
        `${fuzz.method} ${fuzz.path.slice(0, 120)} [${fuzz.name}] -> ${problem}: ${result.text.slice(0, 300)}`,
      );
    }
  };

  const run = async (cases: FuzzCase[]): Promise<void> => {
    // A few at a time: fast, and still ordered deterministically in the report.
    const results: FuzzResult[] = new Array<FuzzResult>(cases.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const index = next++;
        results[index] = await send(ctx.baseUrl, cases[index]);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    cases.forEach((fuzz, index) => record(fuzz, results[index]));
  };

  it('should answer malformed proxy requests with a 4xx in the protocol envelope', async () => {
    const random = seededRandom(SEED);
    const pick: Pick = (items) => items[Math.floor(random() * items.length)];
    const json = { 'content-type': 'application/json' };
    const routes: {
      path: string;
      lenient?: RegExp;
      envelope: Envelope;
      auth: Record<string, string>;
      valid: string;
      bodies: [string, string][];
      keyQuery?: boolean;
    }[] = [
      {
        path: '/v1/messages',
        envelope: 'anthropic',
        auth: { 'x-api-key': caller.key, 'anthropic-version': '2023-06-01' },
        valid: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [] }),
        bodies: anthropicBodies(pick, 25),
        lenient: ANTHROPIC_LENIENT,
      },
      {
        path: '/v1/messages/count_tokens',
        envelope: 'anthropic',
        auth: { 'x-api-key': caller.key, 'anthropic-version': '2023-06-01' },
        valid: JSON.stringify({ model: MODEL, messages: [] }),
        bodies: anthropicBodies(pick, 10).filter(([name]) => !name.includes('max_tokens')),
        lenient: ANTHROPIC_LENIENT,
      },
      {
        path: '/v1/chat/completions',
        envelope: 'openai',
        auth: { authorization: `Bearer ${caller.key}` },
        valid: JSON.stringify({ model: MODEL, messages: [] }),
        bodies: openAiChatBodies(pick, 25),
        lenient: /^wrong type: (messages empty|random tools=)/,
      },
      {
        path: '/v1/responses',
        envelope: 'openai',
        auth: { authorization: `Bearer ${caller.key}` },
        valid: JSON.stringify({ model: MODEL, input: [] }),
        bodies: responsesBodies(pick, 25),
        lenient:
          /^wrong type: (input entry bad|input message content|instructions|max_output_tokens|stream|tools|random (max_output_tokens|stream|tools)=)/,
      },
      {
        path: `/v1beta/models/${MODEL}:generateContent`,
        envelope: 'gemini',
        auth: { 'x-goog-api-key': caller.key },
        valid: JSON.stringify({ contents: [] }),
        bodies: geminiBodies(pick, 20),
        lenient: GEMINI_LENIENT,
        keyQuery: true,
      },
      {
        path: `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
        envelope: 'gemini',
        auth: { 'x-goog-api-key': caller.key },
        valid: JSON.stringify({ contents: [] }),
        bodies: geminiBodies(pick, 10),
        lenient: GEMINI_LENIENT,
        keyQuery: true,
      },
      {
        // countTokens only estimates, so only unparseable bodies are errors there.
        path: `/v1beta/models/${MODEL}:countTokens`,
        envelope: 'gemini',
        auth: { 'x-goog-api-key': caller.key },
        valid: JSON.stringify({ contents: [] }),
        bodies: [],
        keyQuery: true,
      },
    ];

    const cases: FuzzCase[] = [];
    for (const route of routes) {
      const add = (name: string, headers: Record<string, string>, body?: string | Buffer) =>
        cases.push({
          name,
          method: 'POST',
          path: route.path,
          envelope: route.envelope,
          headers,
          body,
          lenient: route.lenient?.test(name) ?? false,
        });
      for (const [name, body] of invalidJsonBodies(route.valid)) {
        add(`invalid JSON: ${name}`, { ...route.auth, ...json }, body);
      }
      // An empty object and nested arrays are valid token-count input for Gemini's estimate.
      const shapes = route.path.endsWith(':countTokens') ? [] : wrongShapeBodies();
      for (const [name, body] of shapes)
        add(`wrong shape: ${name}`, { ...route.auth, ...json }, body);
      for (const [name, body] of route.bodies)
        add(`wrong type: ${name}`, { ...route.auth, ...json }, body);
      add('empty body', { ...route.auth, ...json }, '');
      add('no body, no content-type', { ...route.auth });
      add('text/plain', { ...route.auth, 'content-type': 'text/plain' }, route.valid);
      add(
        'form-urlencoded',
        { ...route.auth, 'content-type': 'application/x-www-form-urlencoded' },
        'model=x&messages=y',
      );
      add(
        'multipart',
        { ...route.auth, 'content-type': 'multipart/form-data; boundary=x' },
        '--x--',
      );
      add('content-type garbage', { ...route.auth, 'content-type': ';;;=' }, route.valid);
      add(
        'invalid utf-8',
        { ...route.auth, ...json },
        Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      );
      add(
        'NUL bytes raw',
        { ...route.auth, ...json },
        Buffer.from('{"model":"\u0000\u0000"\u0000}'),
      );
      // Wrong credentials in each accepted place.
      add(
        'wrong key',
        { ...json, 'x-api-key': 'sk-cch-wrong', authorization: 'Bearer sk-cch-wrong' },
        route.valid,
      );
      add('no key', { ...json }, route.valid);
      add('key with NUL-like garbage', { ...json, 'x-api-key': '%00\u00ff' }, route.valid);
      if (route.keyQuery) {
        const sep = route.path.includes('?') ? '&' : '?';
        for (const key of ['', 'wrong', '%00', '%ZZ', 'a'.repeat(5000)]) {
          cases.push({
            name: `?key=${key.slice(0, 10)}`,
            method: 'POST',
            path: `${route.path}${sep}key=${key}`,
            envelope: route.envelope,
            headers: { ...json },
            body: route.valid,
          });
        }
      }
    }

    // Gemini paths: unknown methods, odd model segments.
    const geminiAuth = { 'x-goog-api-key': caller.key, 'content-type': 'application/json' };
    const validGemini = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    for (const path of [
      `/v1beta/models/${MODEL}:bogusAction`,
      `/v1beta/models/${MODEL}`,
      '/v1beta/models/:generateContent',
      '/v1beta/models/%ZZ:generateContent',
      '/v1beta/models/%00:generateContent',
      `/v1beta/models/${'m'.repeat(3000)}:generateContent`,
      `/v1beta/models/${MODEL}:generateContent:generateContent`,
    ]) {
      cases.push({
        name: 'gemini path',
        method: 'POST',
        path,
        envelope: 'gemini',
        headers: geminiAuth,
        body: validGemini,
        // Any model name is the upstream's to judge; the fake serves every one.
        lenient: /%00|mmm|Content:generate/.test(path),
      });
    }

    // GET listings with bad credentials and bad query values.
    const listings: [string, Envelope, Record<string, string>][] = [
      ['/v1/models', 'openai', {}],
      ['/v1/models', 'anthropic', { 'anthropic-version': '2023-06-01' }],
      ['/v1beta/models', 'gemini', {}],
    ];
    for (const [path, envelope, extra] of listings) {
      for (const [name, headers, query] of [
        ['wrong bearer', { authorization: 'Bearer sk-cch-nope' }, ''],
        ['wrong x-api-key', { 'x-api-key': 'nope' }, ''],
        ['no key', {}, ''],
        ['empty ?key=', {}, '?key='],
        ['wrong ?key=', {}, '?key=sk-cch-nope'],
        ['garbage ?key=', {}, '?key=%ZZ%00'],
        ['basic auth', { authorization: 'Basic Zm9vOmJhcg==' }, ''],
        ['bearer only', { authorization: 'Bearer' }, ''],
      ] as [string, Record<string, string>, string][]) {
        cases.push({
          name,
          method: 'GET',
          path: `${path}${query}`,
          envelope,
          headers: { ...extra, ...headers },
        });
      }
    }

    await run(cases);
  });

  it('should answer malformed admin requests with a 4xx Nest error', async () => {
    const random = seededRandom(SEED + 1);
    const pick: Pick = (items) => items[Math.floor(random() * items.length)];
    const admin = { authorization: `Bearer ${TEST_ENV.ADMIN_TOKEN}` };
    const json = { ...admin, 'content-type': 'application/json' };
    const badIds = [
      'not-a-uuid',
      '123',
      '%00',
      '%ZZ',
      'ffffffff-ffff-ffff-ffff-fffffffffffz',
      "'--",
      'a'.repeat(300),
    ];
    const cases: FuzzCase[] = [];
    const add = (
      name: string,
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: string | Buffer,
    ) => cases.push({ name, method, path, envelope: 'admin', headers, body });

    // Bodies on the write routes.
    const writeRoutes: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/users', { name: 'fuzz-user' }],
      ['PATCH', `/api/users/${userId}`, { name: 'fuzz-user' }],
      ['POST', `/api/users/${userId}/keys`, { name: 'fuzz-key' }],
      ['PATCH', `/api/keys/${keyId}`, { name: 'fuzz-key' }],
      [
        'POST',
        '/api/providers',
        { name: 'fuzz-p', type: 'anthropic', baseUrl: upstream.url, apiKey: 'k' },
      ],
      ['PATCH', `/api/providers/${providerId}`, { name: 'fuzz-p' }],
      ['PUT', `/api/prices/${MODEL}`, { inputPerMTok: '1', outputPerMTok: '1' }],
    ];
    for (const [method, path, valid] of writeRoutes) {
      const validText = JSON.stringify(valid);
      for (const [name, body] of invalidJsonBodies(validText))
        add(`invalid JSON: ${name}`, method, path, json, body);
      for (const [name, body] of wrongShapeBodies()) {
        // `{}` is a valid (no-op) update.
        if (name === 'empty object' && method === 'PATCH') continue;
        // Finding (lenient): PATCH with a `null` body is answered 200 as a no-op update.
        if (name === 'top-level null' && method === 'PATCH') {
          cases.push({ name, method, path, envelope: 'admin', headers: json, body, lenient: true });
          continue;
        }
        add(`wrong shape: ${name}`, method, path, json, body);
      }
      if (method !== 'PATCH') add('empty body', method, path, json, '');
      add('text/plain', method, path, { ...admin, 'content-type': 'text/plain' }, validText);
      add(
        'form-urlencoded',
        method,
        path,
        { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
        'name=x',
      );
      add(
        'invalid utf-8',
        method,
        path,
        json,
        Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      );
      // Wrong field types on each known field.
      for (const field of Object.keys(valid)) {
        for (let i = 0; i < 4; i++) {
          const value = pick(WRONG_VALUES);
          if (typeof value === 'string' && value.length > 0) continue;
          add(
            `wrong type: ${field}=${JSON.stringify(value)}`,
            method,
            path,
            json,
            JSON.stringify({ ...valid, [field]: value }),
          );
        }
      }
      // `null` for a required column: @IsOptional lets null through to the database.
      if (method === 'PATCH') {
        for (const field of Object.keys(valid)) {
          add(`null ${field}`, method, path, json, JSON.stringify({ [field]: null }));
        }
      }
      // NUL bytes and other nasty strings in string fields (Postgres refuses NUL in text).
      for (const field of Object.keys(valid)) {
        if (field === 'type' || field === 'baseUrl') continue;
        cases.push({
          name: `NUL in ${field}`,
          method,
          path,
          envelope: 'admin',
          headers: json,
          body: JSON.stringify({ ...valid, [field]: `x\u0000y` }),
          // The provider key is stored encrypted, so a NUL in it is harmless.
          lenient: field === 'apiKey',
        });
      }
      add(
        'unknown fields',
        method,
        path,
        json,
        JSON.stringify({ ...valid, bogus: 1, __proto__x: {} }),
      );
      add('no credentials', method, path, { 'content-type': 'application/json' }, validText);
      add(
        'wrong token',
        method,
        path,
        { authorization: 'Bearer wrong', 'content-type': 'application/json' },
        validText,
      );
    }

    // Path params that are not uuids.
    for (const id of badIds) {
      add('bad id', 'GET', `/api/users/${id}`, admin);
      add('bad id', 'PATCH', `/api/users/${id}`, json, '{"name":"x"}');
      add('bad id', 'DELETE', `/api/users/${id}`, admin);
      add('bad id', 'GET', `/api/users/${id}/keys`, admin);
      add('bad id', 'POST', `/api/users/${id}/keys`, json, '{"name":"x"}');
      add('bad id', 'PATCH', `/api/keys/${id}`, json, '{"name":"x"}');
      add('bad id', 'DELETE', `/api/keys/${id}`, admin);
      add('bad id', 'GET', `/api/providers/${id}`, admin);
      add('bad id', 'PATCH', `/api/providers/${id}`, json, '{"name":"x"}');
      add('bad id', 'DELETE', `/api/providers/${id}`, admin);
      add('bad id', 'GET', `/api/reports/users/${id}`, admin);
    }
    // Valid uuids that do not exist: 404.
    const missing = randomUUID();
    for (const [method, path] of [
      ['GET', `/api/users/${missing}`],
      ['GET', `/api/users/${missing}/keys`],
      ['DELETE', `/api/keys/${missing}`],
      ['GET', `/api/providers/${missing}`],
    ]) {
      add('missing id', method, path, admin);
    }
    // Prices: odd model path params.
    for (const model of ['%00', '%ZZ', 'a'.repeat(3000), 'x%00y']) {
      add('price model', 'PUT', `/api/prices/${model}`, json, '{"inputPerMTok":"x"}');
      add('price model', 'DELETE', `/api/prices/${model}`, admin);
    }

    // Bad query values on the listings.
    const queries = [
      'page=-1',
      'page=0',
      'page=1.5',
      'page=abc',
      'pageSize=abc',
      'pageSize=0',
      'pageSize=100000',
      'page=99999999999999999999',
      'page=1e400',
      'page=1&page=2',
      'page[a]=1',
      'from=notadate',
      'to=notadate',
      'from=2026-13-45',
      'from=%00',
      'userId=not-a-uuid',
      'apiKeyId=%00',
      'providerId=1',
      'status=bogus',
      'tz=Not/AZone',
      'tz=%00',
      'groupBy=bogus',
      'from=2030-01-01&to=2020-01-01',
    ];
    const listRoutes: [string, string[]][] = [
      ['/api/users', ['page', 'pageSize']],
      ['/api/providers', ['page', 'pageSize']],
      [
        '/api/usage',
        ['page', 'pageSize', 'from', 'to', 'userId', 'apiKeyId', 'providerId', 'status'],
      ],
      ['/api/prices', ['page', 'pageSize']],
      ['/api/reports/costs', ['from', 'to', 'tz', 'groupBy', 'page', 'pageSize']],
      ['/api/reports/unpriced', ['from', 'to', 'page', 'pageSize']],
      ['/api/me', ['tz']],
      ['/api/me/usage', ['page', 'pageSize', 'from', 'to', 'tz']],
    ];
    for (const [path, params] of listRoutes) {
      const headers = path.startsWith('/api/me')
        ? { authorization: `Bearer ${caller.key}` }
        : admin;
      for (const query of queries) {
        const names = query.split('&').map((part) => part.split(/[=[]/)[0]);
        if (!names.every((name) => params.includes(name))) continue;
        // A reversed range and duplicated page may legitimately be accepted; they only must not 5xx.
        if (query.startsWith('from=2030') || query === 'page=1&page=2') continue;
        add(`query ${query}`, 'GET', `${path}?${query}`, headers);
      }
      add('no credentials', 'GET', path, {});
      add('wrong token', 'GET', path, { authorization: 'Bearer wrong' });
      add('malformed authorization', 'GET', path, { authorization: 'Bearer' });
    }
    // /api/me is for gateway keys only: the admin token belongs to no user.
    add('admin token on /api/me', 'GET', '/api/me', admin);

    const credentialFree = (fuzz: FuzzCase) =>
      /no credentials|wrong token|malformed authorization/.test(fuzz.name);
    wrongCredentialCases.push(...cases.filter(credentialFree));
    await run(cases.filter((fuzz) => !credentialFree(fuzz)));
  });

  it('should accept or refuse (never 5xx) borderline admin input', async () => {
    // Reversed ranges, duplicated query params and nasty-but-legal strings: any 2xx or 4xx.
    const admin = { authorization: `Bearer ${TEST_ENV.ADMIN_TOKEN}` };
    const json = { ...admin, 'content-type': 'application/json' };
    const borderline: FuzzCase[] = [];
    for (const query of [
      'from=2030-01-01&to=2020-01-01',
      'page=1&page=2',
      'pageSize=1&pageSize=2',
    ]) {
      for (const path of ['/api/usage', '/api/reports/costs', '/api/users']) {
        borderline.push({
          name: query,
          method: 'GET',
          path: `${path}?${query}`,
          envelope: 'admin',
          headers: admin,
        });
      }
    }
    for (const name of NASTY_STRINGS) {
      borderline.push({
        name: `user name ${JSON.stringify(name.slice(0, 12))}`,
        method: 'POST',
        path: '/api/users',
        envelope: 'admin',
        headers: json,
        body: JSON.stringify({ name }),
      });
    }
    const results = await Promise.all(borderline.map((fuzz) => send(ctx.baseUrl, fuzz)));
    borderline.forEach((fuzz, index) => {
      const result = results[index];
      total += 1;
      if (result.status === 0 || result.status >= 500) {
        failures.push(
          `${fuzz.method} ${fuzz.path} [${fuzz.name}] -> status ${result.status}: ${result.text.slice(0, 300)}`,
        );
      } else if (result.status >= 400) {
        const problem = judge(fuzz, result);
        if (problem !== null)
          failures.push(`${fuzz.method} ${fuzz.path} [${fuzz.name}] -> ${problem}`);
      }
    });
  });

  it('should answer nasty-but-legal proxy strings without a 5xx', async () => {
    // Unicode, NUL and very long strings inside otherwise valid requests: the model is unknown
    // (so nothing is served), the gateway must still answer 4xx, in the envelope.
    const cases = NASTY_STRINGS.flatMap((model): FuzzCase[] => [
      {
        name: `anthropic model ${JSON.stringify(model.slice(0, 12))}`,
        method: 'POST',
        path: '/v1/messages',
        envelope: 'anthropic' as const,
        headers: { 'x-api-key': caller.key, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          max_tokens: 8,
          messages: [{ role: 'user', content: model }],
        }),
      },
      {
        name: `chat model ${JSON.stringify(model.slice(0, 12))}`,
        method: 'POST',
        path: '/v1/chat/completions',
        envelope: 'openai' as const,
        headers: { authorization: `Bearer ${caller.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: model }] }),
      },
    ]);
    // The fake upstream serves any model: make it refuse, so every answer is an error.
    upstream.always({
      kind: 'status',
      status: 404,
      body: { type: 'error', error: { type: 'not_found_error', message: 'no model' } },
    });
    try {
      await run(cases);
    } finally {
      upstream.reset();
    }
  });

  it('should refuse a body just over the limit with a 413', async () => {
    const body = Buffer.alloc(BODY_LIMIT_BYTES + 1, 0x20);
    const fuzz: FuzzCase = {
      name: 'oversized body',
      method: 'POST',
      path: '/v1/messages',
      envelope: 'anthropic',
      headers: {},
    };
    const result = await sendRaw(
      ctx.baseUrl,
      'POST',
      fuzz.path,
      {
        'x-api-key': caller.key,
        'content-type': 'application/json',
        'content-length': String(body.length),
      },
      body,
    );
    record(fuzz, result);
    expect(result.status).toBe(413);
  });

  it('should refuse a 100 KB header with a 431', async () => {
    const huge = 'h'.repeat(100 * 1024);
    for (const [path, envelope] of [
      ['/v1/messages', 'anthropic'],
      ['/api/users', 'admin'],
    ] as [string, Envelope][]) {
      const fuzz: FuzzCase = { name: 'huge header', method: 'GET', path, envelope, headers: {} };
      // No body: Node answers 431 and closes before reading one, which would race a write.
      const result = await sendRaw(ctx.baseUrl, 'GET', path, {
        'x-api-key': caller.key,
        'x-huge': huge,
      });
      record(fuzz, result, true);
      expect(result.status).toBe(431);
    }
  });

  it('should refuse wrong admin credentials with a 401 or 429 Nest error', async () => {
    await run(wrongCredentialCases);
  });

  it('should still be healthy after the barrage, with no failures recorded', async () => {
    const health = await fetch(`${ctx.baseUrl}/healthz`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    expect(health.status).toBe(200);
    // The report names every offending case at once.
    console.log(`fuzz: ${total} cases, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });
});
