import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import {
  ensureConsoleBuilt,
  launchBrowser,
  login,
  newPage,
  PHONE,
  TestBrowser,
} from '../support/browser';
import { FakeAnthropic } from '../support/fake-anthropic';
import { call } from '../support/http';
import { seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/** `npm run console:screenshots` sets this: the walk-through also saves docs/console/*.png. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const SHOTS_DIR = join(__dirname, '..', '..', 'docs', 'console');
/** The admin walk-through does a lot in one browser session; room for a loaded CI machine. */
const WALKTHROUGH_TIMEOUT_MS = 120_000;

async function sendMessage(
  baseUrl: string,
  key: string,
  model = 'claude-sonnet-4-6',
): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model,
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hello' }],
    }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get('x-cch-request-id') ?? '';
}

/** The worker writes the ledger asynchronously: wait until the API lists the request. */
async function waitForUsage(baseUrl: string, requestId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const page = await call<{ items: { requestId: string }[] }>(
      baseUrl,
      'GET',
      '/api/usage?pageSize=100',
    );
    if (page.body.items.some((item) => item.requestId === requestId)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`request ${requestId} never reached the ledger`);
}

/**
 * Screenshots only: a few more users and models, so the pictures show lists and shares. (The
 * assertions never depend on it: they look at this test's own user and request.)
 */
async function addTeamTraffic(baseUrl: string, group: string): Promise<void> {
  const team: [string, string, number][] = [
    ['Grace Hopper', 'claude-opus-4-1', 3],
    ['Linus Pauling', 'claude-sonnet-4-6', 2],
    ['Margaret Hamilton', 'claude-haiku-4-5', 4],
  ];
  let last = '';
  for (const [name, model, count] of team) {
    const member = await seedUserAndKey(baseUrl, { name, providerGroup: group });
    for (let i = 0; i < count; i++) last = await sendMessage(baseUrl, member.key, model);
  }
  await waitForUsage(baseUrl, last);
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.waitForLoadState('networkidle');
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: false });
}

describe('console (browser)', () => {
  let ctx: TestApp;
  let upstream: FakeAnthropic;
  let testBrowser: TestBrowser;
  let browser: Browser;
  const group = `console-${randomUUID().slice(0, 8)}`;
  const userName = `Ada ${randomUUID().slice(0, 6)}`;
  const providerName = `fake-anthropic-${randomUUID().slice(0, 6)}`;
  /** Filled by the admin walk-through; later tests log in with it. */
  let createdKey = '';
  let ownRequestId = '';
  let otherRequestId = '';

  beforeAll(async () => {
    ensureConsoleBuilt();
    testBrowser = await launchBrowser();
    browser = testBrowser.browser;
    [ctx, upstream] = await Promise.all([startTestApp(), FakeAnthropic.start()]);
  });

  afterAll(async () => {
    await testBrowser?.close();
    await upstream?.close();
    await ctx?.close();
  });

  it(
    'admin: creates a user, a key shown once, a provider; the request shows in usage and costs',
    async () => {
      const { context, page } = await newPage(browser);
      page.on('dialog', (dialog) => void dialog.accept());
      // The whole walk-through must run under the console's CSP without a violation or a crash.
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && /security policy/i.test(message.text())) {
          problems.push(message.text());
        }
      });
      await login(page, ctx.baseUrl, TEST_ENV.ADMIN_TOKEN);
      // The credential stays out of the URL and in this tab's sessionStorage.
      expect(page.url()).not.toContain(TEST_ENV.ADMIN_TOKEN);
      // (Page scripts are passed as strings: this file is type-checked without the DOM library.)
      expect(await page.evaluate("sessionStorage.getItem('cch.console.credential')")).toBe(
        TEST_ENV.ADMIN_TOKEN,
      );

      // Users: create one in a group of its own, so only this test's provider serves it.
      await page.click('[data-nav="users"]');
      await page.click('[data-testid="new-user"]');
      await page.fill('.modal input[name="name"]', userName);
      await page.fill('.modal input[name="providerGroup"]', group);
      await page.fill('.modal input[name="limit-usdDaily"]', '25');
      await page.click('.modal button[type="submit"]');
      await page.waitForSelector(`[data-testid="user-name"]:has-text("${userName}")`);
      await page.waitForSelector(`[data-testid="user-list"] >> text=${userName}`);

      // Add a key: the secret is shown once, with a copy button.
      await page.click('[data-testid="add-key"]');
      await page.fill('.modal input[name="keyName"]', 'laptop');
      await page.click('.modal button[type="submit"]');
      const secret = page.locator('[data-testid="new-key-secret"]');
      createdKey = (await secret.textContent()) ?? '';
      expect(createdKey).toMatch(/^sk-/);
      await page.click('.modal button:has-text("Copy")');
      await page.waitForSelector('.modal button:has-text("Copied")');
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(createdKey);
      await shot(page, 'key-created');
      await page.click('[data-testid="close-secret"]');
      // Gone from the page for good: the table lists only its prefix, and a reload shows no secret.
      await page.waitForSelector('[data-testid="key-table"] >> text=laptop');
      expect(await page.content()).not.toContain(createdKey);
      await page.reload();
      await page.waitForSelector('[data-testid="key-table"] >> text=laptop');
      expect(await page.content()).not.toContain(createdKey);
      // A second key, revoked at once: the table says so without a reload, and the API agrees.
      await page.click('[data-testid="add-key"]');
      await page.fill('.modal input[name="keyName"]', 'spare');
      await page.click('.modal button[type="submit"]');
      const spare = (await page.locator('[data-testid="new-key-secret"]').textContent()) ?? '';
      await page.click('[data-testid="close-secret"]');
      const spareRow = page.locator('[data-testid="key-table"] tr', { hasText: 'spare' });
      await spareRow.locator('button:has-text("Revoke")').click();
      await spareRow.locator('.badge:has-text("Revoked")').waitFor();
      expect((await call(ctx.baseUrl, 'GET', '/api/session', { token: spare })).status).toBe(401);
      await shot(page, 'users');

      // Edit limits, disable and enable again: each change shows without a reload.
      const userId = page.url().split('/').pop() ?? '';
      await page.fill('[data-testid="limits-form"] input[name="limit-usdDaily"]', '30');
      await page.fill('[data-testid="limits-form"] input[name="limit-rpm"]', '120');
      await page.click('[data-testid="limits-form"] button[type="submit"]');
      await page.locator('[data-testid="limits-form"] .ok-text').waitFor();
      const saved = await call(ctx.baseUrl, 'GET', `/api/users/${userId}`);
      expect(saved.body.limits).toEqual({ usdDaily: '30', rpm: 120 });
      await page.click('[data-testid="toggle-user"]');
      await page.locator('.card-head .badge:has-text("Disabled")').waitFor();
      expect((await call(ctx.baseUrl, 'GET', `/api/users/${userId}`)).body.enabled).toBe(false);
      await page.click('[data-testid="toggle-user"]');
      await page.locator('.card-head .badge:has-text("Enabled")').waitFor();

      // Providers: add one pointing at the fake upstream, in the user's group.
      await page.click('[data-nav="providers"]');
      await page.click('[data-testid="add-provider"]');
      await page.fill('.modal input[name="name"]', providerName);
      await page.fill('.modal input[name="baseUrl"]', upstream.url);
      await page.fill('.modal input[name="apiKey"]', upstream.apiKey);
      await page.fill('.modal input[name="groups"]', group);
      await page.click('.modal button[type="submit"]');
      const card = page.locator('.provider-card', { hasText: providerName });
      await card.waitFor();
      await card.locator('button:has-text("Disable")').click();
      await card.locator('.badge:has-text("Disabled")').waitFor();
      await card.locator('button:has-text("Enable")').click();
      await card.locator('.badge:has-text("Enabled")').waitFor();
      await card.locator('[data-testid="test-provider"]').click();
      await card.locator('[data-testid="test-result"]').waitFor();
      await card.locator('.health-dot').first().waitFor();
      await shot(page, 'providers');

      // A real request through the gateway with the new key, from this test process.
      ownRequestId = await sendMessage(ctx.baseUrl, createdKey);
      expect(upstream.requests.length).toBeGreaterThan(0);
      await waitForUsage(ctx.baseUrl, ownRequestId);
      if (SCREENSHOTS) await addTeamTraffic(ctx.baseUrl, group);

      // Usage log: the row, and its detail with the provider chosen.
      await page.click('[data-nav="usage"]');
      const row = page.locator(`tr[data-request-id="${ownRequestId}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(userName);
      await row.click();
      const detail = page.locator('[data-testid="usage-detail"]');
      await detail.waitFor();
      expect(await detail.textContent()).toContain(providerName);
      expect(await detail.textContent()).toContain(ownRequestId);
      // The per-attempt log of the ledger: one attempt, on this provider, that succeeded.
      const attempts = page.locator('[data-testid="attempt-log"] li');
      expect(await attempts.count()).toBe(1);
      expect(await attempts.first().textContent()).toContain(providerName);
      expect(await attempts.first().textContent()).toContain('ok');
      await shot(page, 'usage-detail');
      await page.keyboard.press('Escape');
      await shot(page, 'usage');

      // Cost report by user: the user with one request, and a CSV that says the same.
      await page.click('[data-nav="reports"]');
      const reportRow = page.locator('[data-testid="report-table"] tbody tr', {
        hasText: userName,
      });
      await reportRow.waitFor();
      expect(await reportRow.locator('td').nth(1).textContent()).toBe('1');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('[data-testid="csv"]'),
      ]);
      const csvPath = await download.path();
      const csv = (await import('node:fs')).readFileSync(csvPath, 'utf8');
      expect(csv).toContain(userName);
      await shot(page, 'reports');
      await page.click('[data-group="day"]');
      await page.locator('.chart canvas').waitFor();
      await shot(page, 'reports-day');

      await page.click('[data-nav="overview"]');
      await page.locator('[data-testid="provider-status"]', { hasText: providerName }).waitFor();
      await page.locator('.chart canvas').waitFor();
      await shot(page, 'overview');

      await page.click('[data-nav="setup"]');
      await page.fill('input[name="setupKey"]', createdKey);
      const settings = await page.locator('pre[data-file="~/.claude/settings.json"]').textContent();
      const parsed = JSON.parse(settings ?? '{}') as { env: Record<string, string> };
      expect(parsed.env.ANTHROPIC_AUTH_TOKEN).toBe(createdKey);
      expect(parsed.env.ANTHROPIC_BASE_URL).toBe(ctx.baseUrl);
      await page.click('[data-client="codex"]');
      expect(await page.locator('pre[data-file="~/.codex/config.toml"]').textContent()).toContain(
        `base_url = "${ctx.baseUrl}/v1"`,
      );
      await shot(page, 'setup');
      expect(problems).toEqual([]);
      await context.close();
    },
    WALKTHROUGH_TIMEOUT_MS,
  );

  it('refuses a wrong credential with a message, and logs out cleanly', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${ctx.baseUrl}/console/`);
    await page.fill('input[name="credential"]', 'sk-cch-not-a-real-key');
    await page.click('button[type="submit"]');
    expect(await page.locator('.login-card [role="alert"]').textContent()).toContain('failed');
    await login(page, ctx.baseUrl, TEST_ENV.ADMIN_TOKEN);
    await page.click('[data-testid="logout"]');
    await page.locator('input[name="credential"]').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('cch.console.credential')")).toBeNull();
    await context.close();
  });

  it('switches the language, and keeps the choice', async () => {
    const { context, page } = await newPage(browser);
    await login(page, ctx.baseUrl, TEST_ENV.ADMIN_TOKEN);
    await page.waitForSelector('[data-nav="users"]:has-text("Users")');
    await page.selectOption('.sidebar [data-testid="lang"]', 'zh');
    await page.waitForSelector('[data-nav="users"]:has-text("用户管理")');
    await page.reload();
    await page.waitForSelector('[data-nav="users"]:has-text("用户管理")');
    expect(await page.textContent('h1')).toBe('概览');
    await page.locator('[data-testid="overview-stats"]').waitFor();
    await shot(page, 'overview-zh');
    await page.selectOption('.sidebar [data-testid="lang"]', 'en');
    await page.waitForSelector('[data-nav="users"]:has-text("Users")');
    await context.close();
  });

  it('finance: sees usage and reports, cannot open the users page', async () => {
    const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance', name: 'Fin' });
    const { context, page } = await newPage(browser);
    await login(page, ctx.baseUrl, finance.key);
    await page.waitForSelector('[data-nav="reports"]');
    expect(await page.locator('[data-nav="users"]').count()).toBe(0);
    expect(await page.locator('[data-nav="providers"]').count()).toBe(0);
    await page.goto(`${ctx.baseUrl}/console/users`);
    await page.waitForSelector('[data-testid="forbidden"]');
    expect(await page.locator('[data-testid="user-list"]').count()).toBe(0);
    await context.close();
  });

  it('user: sees only their own usage and keys', async () => {
    const other = await seedUserAndKey(ctx.baseUrl, { providerGroup: group, name: 'Other' });
    otherRequestId = await sendMessage(ctx.baseUrl, other.key);
    await waitForUsage(ctx.baseUrl, otherRequestId);
    const { context, page } = await newPage(browser);
    await login(page, ctx.baseUrl, createdKey);
    expect(await page.locator('[data-nav="usage"]').count()).toBe(0);
    await page.locator(`tr[data-request-id="${ownRequestId}"]`).waitFor();
    expect(await page.locator(`tr[data-request-id="${otherRequestId}"]`).count()).toBe(0);
    expect(await page.locator('.list-item', { hasText: 'laptop' }).count()).toBe(1);
    await shot(page, 'my-usage');
    await context.close();
  });

  it('phone width: the menu opens from the top bar', async () => {
    const { context, page } = await newPage(browser, { viewport: PHONE });
    await login(page, ctx.baseUrl, TEST_ENV.ADMIN_TOKEN);
    await page.locator('[data-testid="overview-stats"]').waitFor();
    await shot(page, 'phone-overview');
    // The sidebar is off-screen until the menu button opens it.
    expect(await page.locator('[data-nav="users"]').isVisible()).toBe(true);
    const closed = await page.locator('.sidebar').boundingBox();
    expect(closed && closed.x + closed.width).toBeLessThanOrEqual(0);
    await page.click('.topbar .icon-btn');
    // (No waitForFunction: the console's CSP rightly forbids evaluating strings.)
    for (let tries = 0; ((await page.locator('.sidebar').boundingBox())?.x ?? -1) < 0; tries++) {
      if (tries > 50) throw new Error('the menu did not open');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.click('[data-nav="users"]');
    await page.locator('[data-testid="user-list"]').waitFor();
    await shot(page, 'phone-users');
    await context.close();
  });
});
