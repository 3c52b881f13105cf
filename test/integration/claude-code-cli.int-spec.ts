import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ClaudeRunOptions, ClaudeRunResult, runClaude } from '../support/claude-cli';
import { FAKE_USAGE, FakeAnthropic, RecordedRequest } from '../support/fake-anthropic';
import { LedgerRow, seedUserAndKey, SeededKey, waitForLedger } from '../support/seed';
import { TestApp } from '../support/test-app';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';

/** Each run takes about half a second; the generous limits only guard against a hung CLI. */
const CLI_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 120_000;

const TOOL_PROMPT = 'Run `echo tool-ok` with the Bash tool and tell me what it printed.';
const FINAL_TEXT = 'The command printed tool-ok.';

/**
 * The real Claude Code CLI (`claude -p`, the npm package's native binary) against the gateway,
 * which relays to a fake Anthropic upstream: both ways of sending the key, a tool round trip, and
 * the ledger rows its requests leave.
 */
describe('Claude Code CLI through the gateway', () => {
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let group: string;
  let caller: SeededKey;

  let bed: GatewayBed;

  beforeAll(async () => {
    bed = await startGatewayBed({});
    ({ ctx, db, upstream, group } = bed);
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  });

  afterAll(async () => {
    await bed.close();
  });

  beforeEach(() => upstream.reset());

  const claude = (
    options: Partial<ClaudeRunOptions> & Pick<ClaudeRunOptions, 'prompt'>,
  ): Promise<ClaudeRunResult> =>
    runClaude({
      baseUrl: ctx.baseUrl,
      key: caller.key,
      auth: 'bearer',
      timeoutMs: CLI_TIMEOUT_MS,
      ...options,
    });

  /** Queues the Bash tool_use answer, then the final text, and runs the CLI with Bash allowed. */
  const toolRoundTrip = async (
    key: string,
  ): Promise<{ run: ClaudeRunResult; toolUseId: string }> => {
    const toolUseId = `toolu_${randomUUID().replace(/-/g, '')}`;
    upstream.enqueue(
      {
        kind: 'ok',
        text: 'Running it.',
        toolUse: {
          id: toolUseId,
          name: 'Bash',
          input: { command: 'echo tool-ok', description: 'Print tool-ok' },
        },
      },
      { kind: 'ok', text: FINAL_TEXT },
    );
    const run = await claude({ key, prompt: TOOL_PROMPT, args: ['--allowedTools', 'Bash'] });
    return { run, toolUseId };
  };

  it(
    'should answer `claude -p` with the key as a Bearer token and as x-api-key',
    async () => {
      for (const auth of ['bearer', 'x-api-key'] as const) {
        upstream.reset();
        const run = await claude({ prompt: 'say hi', auth });
        expectSucceeded(run);
        expect(run.output).toMatchObject({
          type: 'result',
          subtype: 'success',
          is_error: false,
          result: expect.stringContaining('Hello from the fake upstream.'),
        });
        const forwarded = messageRequests(upstream.requests);
        expect(forwarded).toHaveLength(1);
        // The upstream sees its own key and the CLI's identity, never the caller's key.
        expect(forwarded[0]?.headers['x-api-key']).toBe(upstream.apiKey);
        expect(JSON.stringify(forwarded[0]?.headers)).not.toContain(caller.key);
        expect(forwarded[0]?.headers['user-agent']).toMatch(/^claude-cli\//);
        expect(forwarded[0]?.headers['x-claude-code-session-id']).toBe(run.output?.session_id);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'should carry a Bash tool round trip: tool_use, the local run, tool_result, final text',
    async () => {
      const { run, toolUseId } = await toolRoundTrip(caller.key);
      expectSucceeded(run);
      expect(run.output?.result).toContain(FINAL_TEXT);

      const forwarded = messageRequests(upstream.requests);
      expect(forwarded).toHaveLength(2);
      const messages = forwarded[1]?.body?.messages;
      expect(Array.isArray(messages)).toBe(true);
      const results = toolResults(messages as unknown[]).filter(
        (block) => block.tool_use_id === toolUseId,
      );
      expect(results).toHaveLength(1);
      expect(toolResultText(results[0]?.content)).toContain('tool-ok');
      expect(results[0]?.is_error).not.toBe(true);
      // Both turns belong to the same CLI session.
      for (const request of forwarded) {
        expect(request.headers['x-claude-code-session-id']).toBe(run.output?.session_id);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'should write one ledger row per CLI request, attributed to Claude Code and its session',
    async () => {
      // A key of its own, so the rows counted are exactly those of these runs.
      const own = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
      const plain = await claude({ key: own.key, prompt: 'say hi' });
      expectSucceeded(plain);
      const plainRequests = messageRequests(upstream.requests);
      upstream.reset();
      const { run: tool } = await toolRoundTrip(own.key);
      expectSucceeded(tool);
      const toolRequests = messageRequests(upstream.requests);
      expect(plainRequests).toHaveLength(1);
      expect(toolRequests).toHaveLength(2);

      const rows = await waitForLedger(db, own.keyId, 3);
      expect(rows).toHaveLength(3);
      const sessions = [plain.output?.session_id, tool.output?.session_id];
      expect(sessions[0]).toEqual(expect.any(String));
      expect(sessions[1]).toEqual(expect.any(String));
      expect(sessions[0]).not.toBe(sessions[1]);
      expect(rows.filter((row) => row.session_id === sessions[0])).toHaveLength(1);
      expect(rows.filter((row) => row.session_id === sessions[1])).toHaveLength(2);
      expect(new Set(rows.map((row) => row.request_id)).size).toBe(3);

      const model = plainRequests[0]?.body?.model;
      expect(model).toEqual(expect.any(String));
      for (const row of rows) {
        expect(row).toMatchObject<Partial<LedgerRow>>({
          user_id: own.userId,
          api_key_id: own.keyId,
          status: 'success',
          client_name: 'claude-code',
          stream: true,
          http_status: 200,
          requested_model: String(model),
          input_tokens: String(FAKE_USAGE.input_tokens),
          output_tokens: String(FAKE_USAGE.output_tokens),
          cache_write_5m_tokens: String(FAKE_USAGE.cache_creation.ephemeral_5m_input_tokens),
          cache_write_1h_tokens: String(FAKE_USAGE.cache_creation.ephemeral_1h_input_tokens),
          cache_read_tokens: String(FAKE_USAGE.cache_read_input_tokens),
          error_class: null,
        });
      }
    },
    TEST_TIMEOUT_MS,
  );
});

/** Fails with what the CLI printed, so a broken run explains itself. */
function expectSucceeded(run: ClaudeRunResult): void {
  if (run.code === 0 && !run.timedOut && run.output !== null) return;
  throw new Error(
    `claude exited ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''} ` +
      `after ${run.durationMs} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
  );
}

/** The Messages requests the upstream saw (not count_tokens or others). */
function messageRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    (request) => request.method === 'POST' && request.url.split('?')[0] === '/v1/messages',
  );
}

interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id?: unknown;
  content?: unknown;
  is_error?: unknown;
  [field: string]: unknown;
}

function toolResults(messages: unknown[]): ToolResultBlock[] {
  const blocks: ToolResultBlock[] = [];
  for (const message of messages) {
    if (!isObject(message) || message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content as unknown[]) {
      if (isToolResult(block)) blocks.push(block);
    }
  }
  return blocks;
}

/** A tool_result's content is a string or a list of content blocks. */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => (isObject(block) && typeof block.text === 'string' ? block.text : ''))
    .join('');
}

function isToolResult(value: unknown): value is ToolResultBlock {
  return isObject(value) && value.type === 'tool_result';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
