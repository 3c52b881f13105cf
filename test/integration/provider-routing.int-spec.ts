import { randomUUID } from 'node:crypto';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { askMessages, servedBy } from '../support/served-by';
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

  const ask = () => askMessages(ctx.baseUrl, caller.key);

  async function patch(id: string, body: Record<string, unknown>): Promise<void> {
    const response = await call(ctx.baseUrl, 'PATCH', `/api/providers/${id}`, { body });
    expect(response.status).toBe(200);
  }

  it('should serve from the preferred priority tier', async () => {
    await servedBy(ask, first, second);
  });

  it('should follow a priority change', async () => {
    await patch(firstId, { priority: 2 });
    await servedBy(ask, second, first);
    await patch(firstId, { priority: 0 });
    await servedBy(ask, first, second);
  });

  it('should follow a model allowlist that no longer admits the model', async () => {
    await patch(firstId, { models: ['gpt-*'] });
    await servedBy(ask, second, first);
    await patch(firstId, { models: [] });
    await servedBy(ask, first, second);
  });

  it('should follow a provider being disabled and enabled again', async () => {
    await patch(firstId, { enabled: false });
    await servedBy(ask, second, first);
    await patch(firstId, { enabled: true });
    await servedBy(ask, first, second);
    // The other provider stays registered and enabled throughout.
    const listed = await call(ctx.baseUrl, 'GET', `/api/providers/${secondId}`);
    expect(listed.body).toMatchObject({ enabled: true });
  });
});
