import { randomUUID } from 'node:crypto';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Routing follows every admin change of the providers that decide the order (priority, model
 * allowlist, enabled): routing derives its view once per provider snapshot, and each change
 * must give the next requests a new one.
 */
describe('provider routing after admin changes', () => {
  let ctx: TestApp;
  let first: FakeAnthropic;
  let second: FakeAnthropic;
  let firstId: string;
  let secondId: string;
  let caller: { key: string };

  beforeAll(async () => {
    ctx = await startTestApp();
    first = await FakeAnthropic.start();
    second = await FakeAnthropic.start();
    const group = `g-${randomUUID().slice(0, 8)}`;
    firstId = await seedProvider(ctx.baseUrl, {
      baseUrl: first.url,
      apiKey: first.apiKey,
      groups: [group],
      priority: 0,
    });
    secondId = await seedProvider(ctx.baseUrl, {
      baseUrl: second.url,
      apiKey: second.apiKey,
      groups: [group],
      priority: 1,
    });
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    await ctx.close();
  });

  const ask = () =>
    call(ctx.baseUrl, 'POST', '/v1/messages', {
      token: null,
      headers: { 'x-api-key': caller.key },
      body: {
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      },
    });

  async function patch(id: string, body: Record<string, unknown>): Promise<void> {
    const response = await call(ctx.baseUrl, 'PATCH', `/api/providers/${id}`, { body });
    expect(response.status).toBe(200);
  }

  /** Asks until `expected` serves (a PATCH reaches the snapshot over pub/sub), then twice more. */
  async function servedBy(expected: FakeAnthropic, other: FakeAnthropic): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const before = expected.requests.length;
      expect((await ask()).status).toBe(200);
      if (expected.requests.length > before) break;
    }
    const before = { expected: expected.requests.length, other: other.requests.length };
    for (let i = 0; i < 2; i += 1) expect((await ask()).status).toBe(200);
    expect(expected.requests.length).toBe(before.expected + 2);
    expect(other.requests.length).toBe(before.other);
  }

  it('should serve from the preferred priority tier', async () => {
    await servedBy(first, second);
  });

  it('should follow a priority change', async () => {
    await patch(firstId, { priority: 2 });
    await servedBy(second, first);
    await patch(firstId, { priority: 0 });
    await servedBy(first, second);
  });

  it('should follow a model allowlist that no longer admits the model', async () => {
    await patch(firstId, { models: ['gpt-*'] });
    await servedBy(second, first);
    await patch(firstId, { models: [] });
    await servedBy(first, second);
  });

  it('should follow a provider being disabled and enabled again', async () => {
    await patch(firstId, { enabled: false });
    await servedBy(second, first);
    await patch(firstId, { enabled: true });
    await servedBy(first, second);
    // The other provider stays registered and enabled throughout.
    const listed = await call(ctx.baseUrl, 'GET', `/api/providers/${secondId}`);
    expect(listed.body).toMatchObject({ enabled: true });
  });
});
