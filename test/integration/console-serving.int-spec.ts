import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../support/browser';
import { startTestApp, TestApp } from '../support/test-app';
import { CONSOLE_CSP, findConsoleDist, mountConsole } from '../../src/console/console-static';

/**
 * The console is static files on the same server: SPA fallback, cache headers, CSP. Every test
 * reads its response body: an unread one keeps its connection busy and the app's close waiting.
 */
describe('console serving', () => {
  let ctx: TestApp;
  let assetPath: string;

  beforeAll(async () => {
    ensureConsoleBuilt();
    ctx = await startTestApp();
    const index = readFileSync(join(findConsoleDist() ?? '', 'index.html'), 'utf8');
    const match = /src="\/console\/(assets\/[^"]+\.js)"/.exec(index);
    if (!match?.[1]) throw new Error('index.html names no script asset');
    assetPath = match[1];
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('redirects /console to /console/', async () => {
    const response = await fetch(`${ctx.baseUrl}/console`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/console/');
    await response.arrayBuffer();
  });

  it.each(['/console/', '/console/users', '/console/users/4a1b/keys', '/console/reports?x=1'])(
    'answers %s with the app, never cached, under the console CSP',
    async (path) => {
      const response = await fetch(`${ctx.baseUrl}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<div id="app"></div>');
    },
  );

  it('serves hashed assets as immutable for a year', async () => {
    const response = await fetch(`${ctx.baseUrl}/console/${assetPath}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await response.text()).length).toBeGreaterThan(1000);
  });

  it('answers a missing asset with 404, not the page', async () => {
    const response = await fetch(`${ctx.baseUrl}/console/assets/missing-0123456789.js`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('<div id="app">');
  });

  it('never serves a file outside the build', async () => {
    for (const path of ['/console/..%2f..%2fpackage.json', '/console/%2e%2e/%2e%2e/package.json']) {
      const response = await fetch(`${ctx.baseUrl}${path}`);
      expect(await response.text()).not.toContain('"devDependencies"');
    }
  });

  it('leaves the API headers alone', async () => {
    const response = await fetch(`${ctx.baseUrl}/api/session`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-security-policy')).not.toBe(CONSOLE_CSP);
    await response.arrayBuffer();
  });

  it('says so with a 503 when the console was not built', async () => {
    @Module({})
    class EmptyModule {}
    const app = await NestFactory.create<NestFastifyApplication>(
      EmptyModule,
      new FastifyAdapter(),
      {
        logger: false,
      },
    );
    await mountConsole(app, null);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.getHttpServer().address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${port}/console/users`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('console is not built');
    } finally {
      await app.close();
    }
  });
});
