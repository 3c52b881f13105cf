import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { RotationRefusedError, rotateMasterKey } from '../../src/database/rotate-master-key';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey, SeededKey } from '../support/seed';
import { startTestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const OLD_KEY = TEST_ENV.MASTER_KEY;
const NEW_KEY = Buffer.alloc(32, 9).toString('hex');
const WRONG_KEY = Buffer.alloc(32, 3).toString('base64');
const NEW_KEY_ID = new SecretBox(Buffer.from(NEW_KEY, 'hex')).keyId;

describe('MASTER_KEY rotation', () => {
  let db: Client;
  let dataSource: DataSource;
  let upstream: FakeAnthropic;
  let caller: SeededKey;
  let providerId: string;
  let deletedId: string;
  let rotatedBack = false;

  const sealedSecrets = async (): Promise<Map<string, string>> => {
    const { rows } = await db.query<{ id: string; api_key_encrypted: string }>(
      'SELECT id, api_key_encrypted FROM providers',
    );
    return new Map(rows.map((row) => [row.id, row.api_key_encrypted]));
  };

  beforeAll(async () => {
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
    dataSource = await new DataSource(buildDataSourceOptions(TEST_ENV.DATABASE_URL)).initialize();
    upstream = await FakeAnthropic.start();

    // Providers are created, under the old key, through the admin API of a running app.
    const before = await startTestApp();
    try {
      const group = `g-${randomUUID().slice(0, 8)}`;
      providerId = await seedProvider(before.baseUrl, {
        baseUrl: upstream.url,
        apiKey: upstream.apiKey,
        groups: [group],
      });
      deletedId = await seedProvider(before.baseUrl, {
        baseUrl: upstream.url,
        apiKey: 'sk-ant-deleted-provider-key',
        groups: [group],
      });
      expect((await call(before.baseUrl, 'DELETE', `/api/providers/${deletedId}`)).status).toBe(
        204,
      );
      caller = await seedUserAndKey(before.baseUrl, { providerGroup: group });
    } finally {
      await before.close();
    }
  });

  afterAll(async () => {
    // Leave the shared test database sealed under the key the other suites use.
    if (!rotatedBack) {
      await rotateMasterKey(dataSource, NEW_KEY, OLD_KEY).catch(() => undefined);
    }
    await upstream.close();
    await dataSource.destroy();
    await db.end();
  });

  it('should re-seal every provider secret, soft-deleted ones included, in one go', async () => {
    const before = await sealedSecrets();
    const summary = await rotateMasterKey(dataSource, OLD_KEY, NEW_KEY);

    expect(summary).toMatchObject({ newKeyId: NEW_KEY_ID, alreadyCurrent: 0 });
    expect(summary.total).toBe(before.size);
    expect(summary.resealed).toBe(before.size);
    const after = await sealedSecrets();
    expect(after.get(providerId)?.split(':')[1]).toBe(NEW_KEY_ID);
    expect(after.get(deletedId)?.split(':')[1]).toBe(NEW_KEY_ID);
    expect(new SecretBox(Buffer.from(NEW_KEY, 'hex')).open(after.get(deletedId) ?? '')).toBe(
      'sk-ant-deleted-provider-key',
    );
  });

  it('should let an app started with the new key use the re-sealed secrets', async () => {
    const after = await startTestApp({ MASTER_KEY: NEW_KEY });
    try {
      const got = await call(after.baseUrl, 'GET', `/api/providers/${providerId}`);
      expect(got.status).toBe(200);
      expect(got.body.id).toBe(providerId);

      upstream.reset();
      const response = await fetch(`${after.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': caller.key,
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      await response.text();
      const messages = upstream.requests.filter((request) => request.url === '/v1/messages');
      expect(messages).toHaveLength(1);
      expect(messages[0]?.headers['x-api-key']).toBe(upstream.apiKey);
    } finally {
      await after.close();
    }
  });

  it('should be a no-op when run again (through the npm command)', async () => {
    const before = await sealedSecrets();
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js'),
        '--transpile-only',
        'src/database/rotate-master-key.ts',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: TEST_ENV.DATABASE_URL,
          MASTER_KEY: OLD_KEY,
          NEW_MASTER_KEY: NEW_KEY,
        },
      },
    );
    expect(stdout).toContain(`0 re-sealed, ${before.size} already under the new key`);
    expect(await sealedSecrets()).toEqual(before);
  }, 120_000);

  it('should refuse and change nothing when a secret opens with neither key', async () => {
    const before = await sealedSecrets();
    // The rows are under NEW_KEY now; "rotating" from a wrong key to a third one must refuse.
    const attempt = rotateMasterKey(dataSource, WRONG_KEY, OLD_KEY);
    await expect(attempt).rejects.toBeInstanceOf(RotationRefusedError);
    const error = (await attempt.catch((e: unknown) => e)) as RotationRefusedError;
    expect(error.providerIds.sort()).toEqual([...before.keys()].sort());
    expect(error.message).toContain(`${before.size} provider secret(s)`);
    expect(await sealedSecrets()).toEqual(before);

    // A single unreadable row among readable ones also blocks the whole rotation.
    await db.query('UPDATE providers SET api_key_encrypted = $1 WHERE id = $2', [
      new SecretBox(Buffer.from(WRONG_KEY, 'base64')).seal('sk-stray'),
      deletedId,
    ]);
    const mixed = await sealedSecrets();
    const partial = (await rotateMasterKey(dataSource, NEW_KEY, OLD_KEY).catch(
      (e: unknown) => e,
    )) as RotationRefusedError;
    expect(partial).toBeInstanceOf(RotationRefusedError);
    expect(partial.providerIds).toEqual([deletedId]);
    expect(await sealedSecrets()).toEqual(mixed);

    // Restore that row, then rotate back so the other suites keep working.
    await db.query('UPDATE providers SET api_key_encrypted = $1 WHERE id = $2', [
      before.get(deletedId),
      deletedId,
    ]);
    const back = await rotateMasterKey(dataSource, NEW_KEY, OLD_KEY);
    expect(back.resealed).toBe(before.size);
    rotatedBack = true;
  });

  it('should refuse the same key twice and malformed keys', async () => {
    await expect(rotateMasterKey(dataSource, OLD_KEY, OLD_KEY)).rejects.toThrow(/same key/);
    await expect(rotateMasterKey(dataSource, 'short', NEW_KEY)).rejects.toThrow(/MASTER_KEY/);
  });
});
