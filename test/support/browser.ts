import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { findConsoleDist } from '../../src/console/console-static';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** CI runs `npm run build` first; a local run of the browser project builds the console itself. */
export function ensureConsoleBuilt(): void {
  if (findConsoleDist()) return;
  execFileSync('npm', ['run', 'console:build'], { stdio: 'ignore' });
  if (!findConsoleDist()) throw new Error('console build produced no console/dist/index.html');
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  }
  // Playwright launches chromium with a fresh --user-data-dir of its own (it refuses the flag
  // in `args`) and deletes it on close; downloads go to this test's own temporary folder.
  const downloads = mkdtempSync(join(tmpdir(), 'cch-chromium-'));
  const browser = await chromium.launch({
    downloadsPath: downloads,
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

/** A fresh context (its own sessionStorage, so its own login) with the language fixed. */
export async function newPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; lang?: 'en' | 'zh' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    locale: 'en-US',
    timezoneId: 'UTC',
    // No slide-in menu animation to wait for (or to catch half-way in a screenshot).
    reducedMotion: 'reduce',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const lang = options.lang ?? 'en';
  // A string script: this file is type-checked without the DOM library.
  await context.addInitScript(
    `if (!localStorage.getItem('cch.console.lang')) localStorage.setItem('cch.console.lang', '${lang}');`,
  );
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the login form. */
export async function login(page: Page, baseUrl: string, credential: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.fill('input[name="credential"]', credential);
  await page.click('button[type="submit"]');
  await page.waitForSelector('.sidebar');
}
