import Anthropic from '@anthropic-ai/sdk';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import { Agent, setGlobalDispatcher } from 'undici';
import { runClaude } from '../support/claude-cli';
import { FakeAnthropic } from '../support/fake-anthropic';
import { FakeProvider } from '../support/fake-providers';
import { GatewayProcess } from '../support/gateway-process';
import { call } from '../support/http';
import { PrivatePostgres } from '../support/postgres-server';
import { PrivateRedis } from '../support/redis-server';
import { ask, CLIENT_KINDS, ClientKind } from '../support/sdk-clients';

/*
 * A full session through a real gateway process at LOG_LEVEL=trace, then a scan of everything
 * it printed: no secret (gateway keys, provider keys, ADMIN_TOKEN, MASTER_KEY, METRICS_TOKEN, a
 * rejected admin token), no 8-character piece of one, and no prompt, system or tool-result text
 * may appear. Secrets and canaries are random base62, so a chance match in the logs is ~1e-6.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const WINDOW = 8;
const MODEL = 'claude-sonnet-4-6';
type ProviderProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';
const PROVIDERS: ProviderProtocol[] = ['anthropic', 'openai-chat', 'openai-responses', 'gemini'];
const NATIVE_CLIENT: Record<ProviderProtocol, ClientKind> = {
  anthropic: 'anthropic-sdk',
  'openai-chat': 'openai-chat-sdk',
  'openai-responses': 'openai-responses-sdk',
  gemini: 'genai-sdk',
};

function base62(length: number): string {
  let out = '';
  for (const byte of randomBytes(length * 2)) {
    if (byte < 248 && out.length < length) out += BASE62[byte % 62];
  }
  return out;
}

/** What must never be logged: a label for the report and the random part to look for. */
interface Secret {
  label: string;
  random: string;
}

/** Every 8-character piece of every secret found in the logs, with the line it was on. */
function leaks(logs: string, secrets: Secret[]): string[] {
  const found: string[] = [];
  for (const { label, random } of secrets) {
    for (let start = 0; start + WINDOW <= random.length; start += 1) {
      const piece = random.slice(start, start + WINDOW);
      const at = logs.indexOf(piece);
      if (at === -1) continue;
      const line = logs.slice(logs.lastIndexOf('\n', at) + 1, logs.indexOf('\n', at));
      found.push(`${label} (${piece}): ${line.slice(0, 300)}`);
      break;
    }
  }
  return found;
}

describe('Logs: a full e2e session at trace level leaks no key, token or prompt text', () => {
  // @google/genai needs undici's global dispatcher, which only an in-process app would install.
  beforeAll(() => setGlobalDispatcher(new Agent()));

  it('should log every request id and no secret, secret fragment or prompt canary', async () => {
    const secrets: Secret[] = [];
    const secret = (label: string, prefix: string, length = 40): string => {
      const random = base62(length);
      secrets.push({ label, random });
      return `${prefix}${random}`;
    };
    const canary = (label: string): string => secret(label, 'canary-', 24);

    const adminToken = secret('ADMIN_TOKEN', 'adm-');
    const metricsToken = secret('METRICS_TOKEN', 'met-');
    const masterKey = randomBytes(32).toString('base64');
    secrets.push({ label: 'MASTER_KEY', random: masterKey });

    const postgres = await PrivatePostgres.start();
    const redis = await PrivateRedis.start();
    const spoolDir = await mkdtemp(join(tmpdir(), 'cch-spool-'));
    const upstreams = {
      anthropic: await FakeAnthropic.start(secret('anthropic provider key', 'sk-ant-')),
      'openai-chat': await FakeProvider.start('openai-chat', secret('chat provider key', 'sk-')),
      'openai-responses': await FakeProvider.start(
        'openai-responses',
        secret('responses provider key', 'sk-'),
      ),
      gemini: await FakeProvider.start('gemini', secret('gemini provider key', 'AIza', 35)),
    };
    let gateway: GatewayProcess | null = null;
    const db = new Client({ connectionString: postgres.urlFor('cch') });
    try {
      gateway = await GatewayProcess.start({
        DATABASE_URL: postgres.urlFor('cch'),
        REDIS_URL: redis.url,
        USAGE_SPOOL_DIR: spoolDir,
        ADMIN_TOKEN: adminToken,
        METRICS_TOKEN: metricsToken,
        MASTER_KEY: masterKey,
        LOG_LEVEL: 'trace',
        CCH_ROLES: 'gateway,admin,worker',
      });
      const baseUrl = gateway.baseUrl;
      const admin = (method: string, path: string, body?: unknown) =>
        call(baseUrl, method, path, { token: adminToken, body });
      /** Request ids of the raw calls below: each must show up in the logs. */
      const seenIds: string[] = [];
      const raw = async (path: string, init: RequestInit): Promise<number> => {
        const response = await fetch(`${baseUrl}${path}`, init);
        await response.arrayBuffer();
        const id = response.headers.get('x-cch-request-id');
        if (id) seenIds.push(id);
        return response.status;
      };

      // Admin: a rejected token, providers with their keys, users, keys.
      const wrongAdmin = secret('rejected admin token', 'adm-');
      expect((await call(baseUrl, 'GET', '/api/users', { token: wrongAdmin })).status).toBe(401);
      const keys = new Map<ProviderProtocol, { key: string; userId: string }>();
      for (const protocol of PROVIDERS) {
        const group = `g-${protocol}`;
        const upstream = upstreams[protocol];
        const provider = await admin('POST', '/api/providers', {
          name: `p-${protocol}`,
          type: protocol,
          baseUrl: upstream.url,
          apiKey: upstream.apiKey,
          groups: [group],
        });
        expect(provider.status).toBe(201);
        const user = await admin('POST', '/api/users', {
          name: `u-${protocol}`,
          providerGroup: group,
        });
        const issued = await admin('POST', `/api/users/${String(user.body.id)}/keys`, {
          name: 'k',
        });
        const key = String(issued.body.key);
        secrets.push({ label: `gateway key (${protocol})`, random: key.slice('sk-cch-'.length) });
        keys.set(protocol, { key, userId: String(user.body.id) });
      }
      expect((await admin('GET', '/api/providers')).status).toBe(200);
      expect((await admin('GET', '/api/users')).status).toBe(200);
      const anthropicKey = keys.get('anthropic')?.key as string;

      // Every official SDK, stream and not: natively (pass-through) and against Anthropic
      // (converted). Keys travel as x-api-key, Bearer and x-goog-api-key.
      for (const protocol of PROVIDERS) {
        const native = keys.get(protocol)?.key as string;
        for (const stream of [false, true]) {
          const options = { prompt: canary('prompt'), system: canary('system prompt') };
          await expect(
            ask(baseUrl, NATIVE_CLIENT[protocol], native, stream, randomUUID(), options),
          ).resolves.toBe('Hello from the fake upstream.');
        }
      }
      for (const client of CLIENT_KINDS) {
        for (const stream of [false, true]) {
          const options = { prompt: canary('prompt'), system: canary('system prompt') };
          await expect(
            ask(baseUrl, client, anthropicKey, stream, randomUUID(), options),
          ).resolves.toBe('Hello from the fake upstream.');
        }
      }

      // Tool results, in Anthropic and Chat shape.
      await new Anthropic({
        baseURL: baseUrl,
        apiKey: anthropicKey,
        maxRetries: 0,
      }).messages.create({
        model: MODEL,
        max_tokens: 64,
        messages: [
          { role: 'user', content: canary('prompt') },
          {
            role: 'assistant',
            content: [
              {
                type: 'tool_use',
                id: 'toolu_1',
                name: 'read',
                input: { path: canary('tool input') },
              },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: canary('tool result') },
            ],
          },
        ],
      });
      await new OpenAI({
        baseURL: `${baseUrl}/v1`,
        apiKey: keys.get('openai-chat')?.key as string,
        maxRetries: 0,
      }).chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'user', content: canary('prompt') },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: canary('tool result') },
        ],
      });

      // The key as ?key= (Gemini's query parameter).
      const gemini = keys.get('gemini')?.key as string;
      expect(
        await raw(`/v1beta/models/${MODEL}:generateContent?key=${gemini}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            contents: [{ role: 'user', parts: [{ text: canary('prompt') }] }],
          }),
        }),
      ).toBe(200);

      // Error paths: unknown key, malformed key, revoked key, upstream 500 and 429, bad JSON.
      const anthropicPost = (key: string, body: string) =>
        raw('/v1/messages', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': key,
            'anthropic-version': '2023-06-01',
          },
          body,
        });
      const messages = () =>
        JSON.stringify({
          model: MODEL,
          max_tokens: 16,
          messages: [{ role: 'user', content: canary('prompt') }],
        });
      expect(await anthropicPost(secret('unknown key', 'sk-cch-', 48), messages())).toBe(401);
      expect(await anthropicPost(secret('malformed key', 'not-a-key-'), messages())).toBe(401);
      const revocable = await admin('POST', `/api/users/${keys.get('anthropic')?.userId}/keys`, {
        name: 'revoked',
      });
      const revokedKey = String(revocable.body.key);
      secrets.push({ label: 'revoked key', random: revokedKey.slice('sk-cch-'.length) });
      expect(await anthropicPost(revokedKey, messages())).toBe(200);
      expect((await admin('DELETE', `/api/keys/${String(revocable.body.id)}`)).status).toBe(204);
      expect(await anthropicPost(revokedKey, messages())).toBe(401);
      upstreams.anthropic.enqueue(
        { kind: 'status', status: 500 },
        { kind: 'status', status: 429, retryAfter: '1' },
      );
      expect(await anthropicPost(anthropicKey, messages())).toBe(500);
      expect(await anthropicPost(anthropicKey, messages())).toBe(429);
      expect(
        await anthropicPost(
          anthropicKey,
          `{"model":"${MODEL}","messages":[{"role":"user","content":"${canary('bad json prompt')}"`,
        ),
      ).toBe(400);
      const metrics = await fetch(`${baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${metricsToken}` },
      });
      expect(metrics.status).toBe(200);
      await metrics.text();

      // A real CLI: Claude Code, key as Bearer.
      const cli = await runClaude({
        baseUrl,
        key: anthropicKey,
        auth: 'bearer',
        prompt: `Repeat after me: ${canary('claude code prompt')}`,
        timeoutMs: 60_000,
      });
      expect(cli.output?.is_error).toBe(false);

      // Every metered request reached the ledger; then the gateway exits and its output is final.
      await db.connect();
      // 16 SDK calls, 2 tool-result calls, ?key=, the revoked key's one success, 500, 429, the CLI.
      const ledgerIds = await settledIds(db, 23);
      await gateway.stop();
      const logs = gateway.output.join('');

      expect(logs.length).toBeGreaterThan(10_000);
      expect(ledgerIds.length).toBeGreaterThanOrEqual(23);
      const missing = [...new Set([...seenIds, ...ledgerIds])].filter((id) => !logs.includes(id));
      expect(missing).toEqual([]);
      expect(leaks(logs, secrets)).toEqual([]);
      // The scanner itself finds a fragment anywhere in a line (a control, so a pass means something).
      const sample = secrets[secrets.length - 1];
      expect(leaks(`{"msg":"x${sample.random.slice(5, 5 + WINDOW)}y"}`, secrets)).toHaveLength(1);
    } finally {
      await db.end().catch(() => undefined);
      await gateway?.stop();
      for (const upstream of Object.values(upstreams)) await upstream.close();
      await redis.stop();
      await postgres.destroy();
      await rm(spoolDir, { recursive: true, force: true });
    }
  });
});

/** Waits until the ledger holds at least `atLeast` rows and stops growing; returns the ids. */
async function settledIds(db: Client, atLeast: number): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  let previous = -1;
  for (;;) {
    const rows = await db.query<{ request_id: string }>('SELECT request_id FROM usage_records');
    const ids = rows.rows.map((row) => row.request_id);
    const stable = ids.length === previous && ids.length >= atLeast;
    previous = ids.length;
    if (stable || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
