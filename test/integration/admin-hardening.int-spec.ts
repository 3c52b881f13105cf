import { call } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/** Each run gets addresses of its own, so counters of earlier runs (same Redis db) never leak in. */
const NET = `198.51.${Math.floor(Math.random() * 200) + 20}`;

describe('Admin hardening', () => {
  let ctx: TestApp;

  beforeAll(async () => {
    // Behind a trusted ingress: X-Forwarded-For decides the client IP, so every brute-force
    // attempt here comes from a documentation address and never blocks 127.0.0.1 for other specs.
    ctx = await startTestApp({
      CCH_ROLES: 'gateway,admin',
      TRUST_PROXY: 'true',
      ADMIN_AUTH_MAX_FAILURES: '10',
    });
  });

  afterAll(async () => {
    await ctx.close();
  });

  const from = (ip: string, token: string | null) =>
    call(ctx.baseUrl, 'GET', '/api/users', { token, headers: { 'x-forwarded-for': ip } });

  describe('brute-force limiter', () => {
    it('should answer 429 with retry-after after 10 failures, even to the right token', async () => {
      const attacker = `${NET}.10`;
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        const response = await from(attacker, `wrong-token-${attempt}`);
        expect(response.status).toBe(401);
      }
      const blocked = await from(attacker, TEST_ENV.ADMIN_TOKEN);
      expect(blocked.status).toBe(429);
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(300);
      expect((await from(attacker, 'yet-another-guess')).status).toBe(429);
    });

    it('should not block other addresses, nor count requests without a credential', async () => {
      const attacker = `${NET}.20`;
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        expect((await from(attacker, 'wrong')).status).toBe(401);
      }
      expect((await from(attacker, TEST_ENV.ADMIN_TOKEN)).status).toBe(429);

      const bystander = `${NET}.21`;
      expect((await from(bystander, TEST_ENV.ADMIN_TOKEN)).status).toBe(200);
      for (let attempt = 1; attempt <= 12; attempt += 1) {
        expect((await from(bystander, null)).status).toBe(401);
      }
      expect((await from(bystander, TEST_ENV.ADMIN_TOKEN)).status).toBe(200);
    });

    it('should not let a success reset the failure count', async () => {
      const client = `${NET}.30`;
      for (let attempt = 1; attempt <= 9; attempt += 1) {
        expect((await from(client, 'wrong')).status).toBe(401);
      }
      expect((await from(client, TEST_ENV.ADMIN_TOKEN)).status).toBe(200);
      expect((await from(client, 'wrong')).status).toBe(401);
      expect((await from(client, TEST_ENV.ADMIN_TOKEN)).status).toBe(429);
    });
  });

  describe('security headers', () => {
    function expectCommonHeaders(headers: Headers): void {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
    }

    it('should send strict headers on /api, also on errors', async () => {
      for (const response of [
        await call(ctx.baseUrl, 'GET', '/api/users'),
        await call(ctx.baseUrl, 'GET', '/api/users', { token: null }),
      ]) {
        expectCommonHeaders(response.headers);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('content-security-policy')).toBe(
          "default-src 'none'; frame-ancestors 'none'",
        );
      }
    });

    it('should send them on /docs-json, and keep Swagger UI loading', async () => {
      const json = await fetch(`${ctx.baseUrl}/docs-json`);
      expect(json.status).toBe(200);
      expectCommonHeaders(json.headers);
      expect(((await json.json()) as { openapi?: string }).openapi).toBeDefined();

      const page = await fetch(`${ctx.baseUrl}/docs`);
      expect(page.status).toBe(200);
      expectCommonHeaders(page.headers);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      const html = await page.text();
      const init = /src="([^"]*swagger-ui-init\.js)"/.exec(html)?.[1];
      expect(init).toBeDefined();
      const script = await fetch(new URL(String(init), `${ctx.baseUrl}/docs/`));
      expect(script.status).toBe(200);
      expect(await script.text()).toContain('SwaggerUIBundle');
    });

    it('should leave proxy routes without admin headers', async () => {
      const response = await fetch(`${ctx.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.headers.get('content-security-policy')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBeNull();
    });
  });

  describe('CORS', () => {
    it('should send no CORS headers to a cross-origin request on admin or proxy routes', async () => {
      // Its own client address: other suites' failed logins from 127.0.0.1 share this Redis.
      const origin = { origin: 'https://evil.example', 'x-forwarded-for': `${NET}.200` };
      const responses = [
        await fetch(`${ctx.baseUrl}/api/users`, {
          headers: { ...origin, authorization: `Bearer ${TEST_ENV.ADMIN_TOKEN}` },
        }),
        await fetch(`${ctx.baseUrl}/api/users`, {
          method: 'OPTIONS',
          headers: {
            ...origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        }),
        await fetch(`${ctx.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { ...origin, 'content-type': 'application/json' },
          body: '{}',
        }),
        await fetch(`${ctx.baseUrl}/v1/messages`, {
          method: 'OPTIONS',
          headers: { ...origin, 'access-control-request-method': 'POST' },
        }),
      ];
      expect(responses[0]?.status).toBe(200);
      for (const response of responses) {
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
        expect(response.headers.get('access-control-allow-methods')).toBeNull();
      }
    });
  });
});
