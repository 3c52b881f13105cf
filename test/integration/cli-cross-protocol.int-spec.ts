import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ClaudeRunResult, runClaude } from '../support/claude-cli';
import { CodexRunResult, runCodex } from '../support/codex-cli';
import { DroidProvider, DroidRunResult, runDroid } from '../support/droid-cli';
import { FakeAnthropic, RecordedRequest } from '../support/fake-anthropic';
import { DEFAULT_FAKE_TEXT, FakeProvider } from '../support/fake-providers';
import { GeminiRunResult, runGemini } from '../support/gemini-cli';
import { LedgerRow, seedProvider, seedUserAndKey, waitForLedger } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

type ProviderProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

/** Runs take a few seconds; the generous limits only guard against a hung CLI. */
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

const FINAL_TEXT = 'The command printed tool-ok.';

/** One provider of one protocol, in a group of its own, and a key routed only to it. */
interface Route {
  protocol: ProviderProtocol;
  upstream: FakeAnthropic | FakeProvider;
  key: string;
  keyId: string;
}

/** A tool call the fake upstream answers with, in the upstream's own protocol. */
interface ScriptedCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/**
 * The real coding CLIs against the gateway, each served by providers of another protocol than its
 * own: a plain answer and a tool round trip (the CLI runs the command locally and sends its output
 * back, which the gateway must convert into the upstream's tool-result shape), and the ledger rows
 * the runs leave.
 */
describe('Real CLIs through the gateway, served by providers of other protocols', () => {
  let ctx: TestApp;
  let db: Client;
  const upstreams: (FakeAnthropic | FakeProvider)[] = [];

  beforeAll(async () => {
    ctx = await startTestApp();
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
    await db?.end();
    await ctx?.close();
  });

  const openRoute = async (protocol: ProviderProtocol): Promise<Route> => {
    const upstream =
      protocol === 'anthropic' ? await FakeAnthropic.start() : await FakeProvider.start(protocol);
    upstreams.push(upstream);
    // A group of its own, so no other provider serves these requests.
    const group = `g-${randomUUID().slice(0, 8)}`;
    await seedProvider(ctx.baseUrl, {
      type: protocol,
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [group],
    });
    const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
    return { protocol, upstream, key: caller.key, keyId: caller.keyId };
  };

  /** Queues the tool call, then the final text, on the route's upstream. */
  const scriptToolRoundTrip = (
    route: Route,
    call: Omit<ScriptedCall, 'id'>,
    id = route.protocol === 'anthropic' ? anthropicToolId() : openAiCallId(),
  ): ScriptedCall => {
    if (route.upstream instanceof FakeAnthropic) {
      route.upstream.enqueue(
        { kind: 'ok', text: 'Running it.', toolUse: { ...call, id } },
        { kind: 'ok', text: FINAL_TEXT },
      );
    } else {
      route.upstream.enqueue(
        { kind: 'ok', text: 'Running it.', toolCall: { ...call, id } },
        { kind: 'ok', text: FINAL_TEXT },
      );
    }
    return { ...call, id };
  };

  /**
   * Every request the upstream served is in the ledger, attributed to the CLI and the provider's
   * protocol. With `sessions`, the CLI sends a session id (Claude Code, Codex): the plain run and
   * the two requests of the tool run are two sessions.
   */
  const expectLedger = async (
    route: Route,
    clientName: string,
    sessions: boolean,
  ): Promise<void> => {
    const served = operationRequests(route);
    const rows = await waitForLedger(db, route.keyId, served.length);
    expect(rows).toHaveLength(served.length);
    for (const row of rows) {
      expect(row).toMatchObject<Partial<LedgerRow> & { provider_protocol: string }>({
        status: 'success',
        client_name: clientName,
        provider_protocol: route.protocol,
        http_status: 200,
        error_class: null,
      });
    }
    if (sessions) {
      const perSession = new Map<string | null, number>();
      for (const row of rows) {
        perSession.set(row.session_id, (perSession.get(row.session_id) ?? 0) + 1);
      }
      expect(perSession.has(null)).toBe(false);
      expect([...perSession.values()].sort()).toEqual([1, 2]);
    }
  };

  describe('Claude Code (Anthropic Messages)', () => {
    const routes = new Map<ProviderProtocol, Route>();
    const protocols: ProviderProtocol[] = ['openai-chat', 'gemini', 'openai-responses'];

    beforeAll(async () => {
      for (const protocol of protocols) routes.set(protocol, await openRoute(protocol));
    });

    it.each(protocols)(
      'should answer a prompt and carry a Bash round trip through a %s provider',
      async (protocol) => {
        const route = routeOf(routes, protocol);
        const claude = (prompt: string, args: string[] = []): Promise<ClaudeRunResult> =>
          runClaude({
            baseUrl: ctx.baseUrl,
            key: route.key,
            auth: 'bearer',
            prompt,
            args,
            timeoutMs: CLI_TIMEOUT_MS,
          });

        const plain = await claude('say hi');
        expectClaudeSucceeded(plain);
        expect(plain.output?.result).toContain(DEFAULT_FAKE_TEXT);
        expect(operationRequests(route)).toHaveLength(1);

        const call = scriptToolRoundTrip(route, {
          name: 'Bash',
          input: { command: 'echo tool-ok', description: 'Print tool-ok' },
        });
        const tool = await claude(
          'Run `echo tool-ok` with the Bash tool and tell me what it printed.',
          ['--allowedTools', 'Bash'],
        );
        expectClaudeSucceeded(tool);
        expect(tool.output?.result).toContain(FINAL_TEXT);

        const served = operationRequests(route);
        expect(served).toHaveLength(3);
        expectToolRoundTrip(route.protocol, served[2], call, 'tool-ok');
        await expectLedger(route, 'claude-code', true);
      },
      TEST_TIMEOUT_MS,
    );
  });

  describe('Codex CLI (OpenAI Responses)', () => {
    const routes = new Map<ProviderProtocol, Route>();
    const protocols: ProviderProtocol[] = ['anthropic', 'openai-chat', 'gemini'];

    beforeAll(async () => {
      for (const protocol of protocols) routes.set(protocol, await openRoute(protocol));
    });

    it.each(protocols)(
      'should answer `codex exec` and carry a shell round trip through a %s provider',
      async (protocol) => {
        const route = routeOf(routes, protocol);
        const codex = (prompt: string): Promise<CodexRunResult> =>
          runCodex({ baseUrl: ctx.baseUrl, key: route.key, prompt, timeoutMs: CLI_TIMEOUT_MS });

        const plain = await codex('say hi');
        expectExited('codex', plain);
        expect(plain.stdout).toContain(DEFAULT_FAKE_TEXT);
        expect(operationRequests(route)).toHaveLength(1);

        const call = scriptToolRoundTrip(route, {
          name: 'exec_command',
          input: { cmd: 'echo tool-ok' },
        });
        const tool = await codex('Run `echo tool-ok` and tell me what it printed.');
        expectExited('codex', tool);
        expect(tool.stdout).toContain(FINAL_TEXT);

        const served = operationRequests(route);
        expect(served).toHaveLength(3);
        expectToolRoundTrip(route.protocol, served[2], call, 'tool-ok');
        await expectLedger(route, 'codex', true);
      },
      TEST_TIMEOUT_MS,
    );
  });

  describe('Gemini CLI (Gemini generateContent)', () => {
    const routes = new Map<ProviderProtocol, Route>();
    const protocols: ProviderProtocol[] = ['anthropic', 'openai-responses', 'openai-chat'];

    beforeAll(async () => {
      for (const protocol of protocols) routes.set(protocol, await openRoute(protocol));
    });

    it.each(protocols)(
      'should answer `gemini -p` and carry a shell round trip through a %s provider',
      async (protocol) => {
        const route = routeOf(routes, protocol);
        const gemini = (prompt: string, args: string[] = []): Promise<GeminiRunResult> =>
          runGemini({
            baseUrl: ctx.baseUrl,
            key: route.key,
            model: 'gemini-2.5-pro',
            prompt,
            args,
            timeoutMs: CLI_TIMEOUT_MS,
          });

        const plain = await gemini('say hi');
        expectExited('gemini', plain);
        expect(plain.stdout).toContain(DEFAULT_FAKE_TEXT);
        expect(operationRequests(route)).toHaveLength(1);

        const call = scriptToolRoundTrip(route, {
          name: 'run_shell_command',
          input: { command: 'echo tool-ok', description: 'Print tool-ok' },
        });
        const tool = await gemini('Run `echo tool-ok` and tell me what it printed.', [
          '--approval-mode',
          'yolo',
        ]);
        expectExited('gemini', tool);
        expect(tool.stdout).toContain(FINAL_TEXT);

        const served = operationRequests(route);
        expect(served).toHaveLength(3);
        expectToolRoundTrip(route.protocol, served[2], call, 'tool-ok');
        await expectLedger(route, 'gemini-cli', false);
      },
      TEST_TIMEOUT_MS,
    );
  });

  describe('Droid (Anthropic Messages, OpenAI Responses and Chat Completions custom models)', () => {
    const routes = new Map<ProviderProtocol, Route>();
    /** Each of Droid's three wire modes, served by a provider of another protocol. */
    const cases: { mode: DroidProvider; protocol: ProviderProtocol }[] = [
      { mode: 'anthropic', protocol: 'openai-chat' },
      { mode: 'openai', protocol: 'gemini' },
      { mode: 'generic-chat-completion-api', protocol: 'anthropic' },
    ];

    beforeAll(async () => {
      for (const { protocol } of cases) routes.set(protocol, await openRoute(protocol));
    });

    it.each(cases)(
      'should answer `droid exec` in $mode mode and carry an Execute round trip through a $protocol provider',
      async ({ mode, protocol }) => {
        const route = routeOf(routes, protocol);
        const droid = (prompt: string): Promise<DroidRunResult> =>
          runDroid({
            baseUrl: ctx.baseUrl,
            key: route.key,
            provider: mode,
            prompt,
            timeoutMs: CLI_TIMEOUT_MS,
          });

        const plain = await droid('say hi');
        expectExited('droid', plain);
        expect(plain.stdout).toContain(DEFAULT_FAKE_TEXT);
        expect(operationRequests(route)).toHaveLength(1);

        // In Chat mode Droid rewrites an Anthropic-shaped call id in the history it sends back
        // (`toolu_<32 hex>` comes back as `call_<its first 24 hex>_0`, on the call and on its
        // result alike); an OpenAI-shaped `call_<24 hex>` comes back unchanged.
        const call = scriptToolRoundTrip(
          route,
          {
            name: 'Execute',
            input: {
              command: 'echo tool-ok',
              summary: 'Print tool-ok once',
              riskLevel: 'low',
              riskLevelReason: 'A read-only echo',
            },
          },
          mode === 'generic-chat-completion-api' ? openAiCallId() : undefined,
        );
        const tool = await droid('Run `echo tool-ok` and tell me what it printed.');
        expectExited('droid', tool);
        expect(tool.stdout).toContain(FINAL_TEXT);

        const served = operationRequests(route);
        expect(served).toHaveLength(3);
        expectToolRoundTrip(route.protocol, served[2], call, 'tool-ok');
        // Only the Responses mode carries a session (its `prompt_cache_key`).
        await expectLedger(route, 'droid', mode === 'openai');
      },
      TEST_TIMEOUT_MS,
    );
  });
});

function anthropicToolId(): string {
  return `toolu_${randomUUID().replace(/-/g, '')}`;
}

function openAiCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

function routeOf(routes: Map<ProviderProtocol, Route>, protocol: ProviderProtocol): Route {
  const route = routes.get(protocol);
  if (!route) throw new Error(`no route to a ${protocol} provider`);
  return route;
}

/** Fails with what the CLI printed, so a broken run explains itself. */
function expectClaudeSucceeded(run: ClaudeRunResult): void {
  expectExited('claude', run);
  if (run.output !== null) return;
  throw new Error(`claude printed no JSON result\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

function expectExited(
  cli: string,
  run: {
    code: number | null;
    signal: NodeJS.Signals | null;
    timedOut: boolean;
    stdout: string;
    stderr: string;
    durationMs: number;
  },
): void {
  if (run.code === 0 && !run.timedOut) return;
  throw new Error(
    `${cli} exited ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''} ` +
      `after ${run.durationMs} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
  );
}

/** The generation requests the upstream saw (not model listings, token counts or probes). */
function operationRequests(route: Route): RecordedRequest[] {
  return route.upstream.requests.filter((request) => {
    if (request.method !== 'POST') return false;
    const path = request.url.split('?')[0] ?? '';
    switch (route.protocol) {
      case 'anthropic':
        return path === '/v1/messages';
      case 'openai-chat':
        return path === '/v1/chat/completions';
      case 'openai-responses':
        return path === '/v1/responses';
      case 'gemini':
        return /:(generateContent|streamGenerateContent)$/.test(decodeURIComponent(path));
    }
  });
}

/**
 * The upstream's follow-up request carries its own tool call back (as the assistant's turn) and
 * the command's output exactly once, as a tool result in the upstream's own protocol, paired with
 * that call.
 */
function expectToolRoundTrip(
  protocol: ProviderProtocol,
  request: RecordedRequest | undefined,
  call: ScriptedCall,
  expected: string,
): void {
  const body = request?.body ?? {};
  const calls = toolCalls(protocol, body, call);
  const outputs = toolOutputs(protocol, body, call);
  if (calls.length !== 1 || outputs.length !== 1) {
    throw new Error(
      `expected one ${call.name} call (${call.id}) and one result for it in the ${protocol} ` +
        `request, found ${calls.length} and ${outputs.length}:\n${request?.rawBody ?? '(none)'}`,
    );
  }
  expect(calls[0]).toEqual(call.input);
  // The command's output on a line of its own (an error quoting the command would not match).
  expect(outputs[0]).toMatch(new RegExp(`^(Output: ?)?${expected}$`, 'm'));
}

/** The arguments of the scripted call as the history in the follow-up request repeats them. */
function toolCalls(
  protocol: ProviderProtocol,
  body: Record<string, unknown>,
  call: ScriptedCall,
): unknown[] {
  switch (protocol) {
    case 'anthropic':
      return records(body.messages)
        .filter((message) => message.role === 'assistant')
        .flatMap((message) => records(message.content))
        .filter((block) => block.type === 'tool_use' && block.id === call.id)
        .filter((block) => block.name === call.name)
        .map((block) => block.input);
    case 'openai-chat':
      return records(body.messages)
        .filter((message) => message.role === 'assistant')
        .flatMap((message) => records(message.tool_calls))
        .filter((toolCall) => toolCall.id === call.id)
        .map((toolCall) => (isRecord(toolCall.function) ? toolCall.function : {}))
        .filter((fn) => fn.name === call.name)
        .map((fn) => parseJson(fn.arguments));
    case 'openai-responses':
      return records(body.input)
        .filter((item) => item.type === 'function_call' && item.call_id === call.id)
        .filter((item) => item.name === call.name)
        .map((item) => parseJson(item.arguments));
    case 'gemini':
      return records(body.contents)
        .filter((content) => content.role === 'model')
        .flatMap((content) => records(content.parts))
        .map((part) => part.functionCall)
        .filter(isRecord)
        .filter((functionCall) => functionCall.name === call.name)
        .map((functionCall) => functionCall.args);
  }
}

function toolOutputs(
  protocol: ProviderProtocol,
  body: Record<string, unknown>,
  call: ScriptedCall,
): string[] {
  switch (protocol) {
    case 'anthropic':
      return records(body.messages)
        .filter((message) => message.role === 'user')
        .flatMap((message) => records(message.content))
        .filter((block) => block.type === 'tool_result' && block.tool_use_id === call.id)
        .map((block) => textOf(block.content));
    case 'openai-chat':
      return records(body.messages)
        .filter((message) => message.role === 'tool' && message.tool_call_id === call.id)
        .map((message) => textOf(message.content));
    case 'openai-responses':
      return records(body.input)
        .filter((item) => item.type === 'function_call_output' && item.call_id === call.id)
        .map((item) => textOf(item.output));
    case 'gemini':
      // The fake's functionCall has no id (as most Gemini answers); the pairing is by name.
      return records(body.contents)
        .filter((content) => content.role === 'user')
        .flatMap((content) => records(content.parts))
        .map((part) => part.functionResponse)
        .filter(isRecord)
        .filter((response) => response.name === call.name)
        .map((response) => geminiResponseText(response.response));
  }
}

/** Gemini's `functionResponse.response` is an object; converters put the text in `output`. */
function geminiResponseText(response: unknown): string {
  if (!isRecord(response)) return '';
  if (typeof response.output === 'string') return response.output;
  if (typeof response.content === 'string') return response.content;
  return JSON.stringify(response);
}

/** A string, or the text of a list of content parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return records(content)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
