import { randomUUID } from 'node:crypto';
import { ApiKeysRepository } from '../../src/keys/api-keys.repository';
import { FakeAnthropic } from '../support/fake-anthropic';
import { GatewayProcess } from '../support/gateway-process';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';

const BODY = {
  model: 'claude-sonnet-4-5',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
};

function post(baseUrl: string, key: string, body: string = JSON.stringify(BODY)) {
  return fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body,
  });
}

/** Polls until `check` holds, returning how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not true within ${ms} ms`);
}

describe('Gateway: key cache across replicas', () => {
  let first: TestApp;
  let second: GatewayProcess;
  let upstream: FakeAnthropic;
  let group: string;

  beforeAll(async () => {
    [first, second] = await Promise.all([startTestApp(), GatewayProcess.start()]);
    upstream = await FakeAnthropic.start();
    group = `g-${randomUUID().slice(0, 8)}`;
    await seedProvider(first.baseUrl, {
      baseUrl: upstream.url,
      apiKey: upstream.apiKey,
      groups: [group],
    });
  });

  afterAll(async () => {
    await upstream.close();
    await Promise.all([first.close(), second.stop()]);
  });

  it('should stop a revoked key on every replica within two seconds', async () => {
    const caller = await seedUserAndKey(first.baseUrl, { providerGroup: group });
    // Both replicas have the key cached now.
    expect((await post(first.baseUrl, caller.key)).status).toBe(200);
    expect((await post(second.baseUrl, caller.key)).status).toBe(200);

    expect((await call(first.baseUrl, 'DELETE', `/api/keys/${caller.keyId}`)).status).toBe(204);
    const elapsed = await within(
      2_000,
      async () => (await post(second.baseUrl, caller.key)).status === 401,
    );
    expect(elapsed).toBeLessThan(2_000);
    expect((await post(first.baseUrl, caller.key)).status).toBe(401);
  });

  it('should apply a user change (disable) to the keys cached on every replica', async () => {
    const caller = await seedUserAndKey(first.baseUrl, { providerGroup: group });
    expect((await post(second.baseUrl, caller.key)).status).toBe(200);
    await call(first.baseUrl, 'PATCH', `/api/users/${caller.userId}`, { body: { enabled: false } });
    await within(2_000, async () => (await post(second.baseUrl, caller.key)).status === 401);
    const refused = await post(second.baseUrl, caller.key);
    expect(await refused.json()).toMatchObject({
      error: { type: 'authentication_error', message: 'The user of this API key is disabled.' },
    });
  });

  it('should not let a flood of unknown keys reach the database each time (negative cache)', async () => {
    const lookups = jest.spyOn(first.app.get(ApiKeysRepository), 'findByHashWithUser');
    const unknown = `sk-cch-${randomUUID().replace(/-/g, '').padEnd(48, 'Q').slice(0, 48)}`;
    for (let round = 0; round < 3; round += 1) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          post(first.baseUrl, unknown).then((response) => response.status),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    // 150 requests, one database lookup: concurrent misses share it, later ones hit the negative cache.
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();
  });

  it('should accept a Claude-Code-sized 33 MB body', async () => {
    const caller = await seedUserAndKey(first.baseUrl, { providerGroup: group });
    const big = JSON.stringify({
      ...BODY,
      messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }],
    });
    upstream.reset();
    const response = await post(first.baseUrl, caller.key, big);
    expect(response.status).toBe(200);
    expect(upstream.requests[0]?.rawBody.length).toBe(big.length);
  });
});
