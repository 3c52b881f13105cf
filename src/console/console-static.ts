import fastifyStatic from '@fastify/static';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';

/** Where the console is mounted; every page of the single-page app lives under it. */
export const CONSOLE_PATH = '/console';

/**
 * The console only loads its own files and talks to its own origin; no inline script or style
 * (the app and the chart library set styles through the DOM, which CSP does not restrict).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Vite names built assets `name-<hash>.ext`: their content never changes under that name. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * The console build (`console/dist`), looked up from the compiled server (`dist/src/console`) and
 * from the sources (`src/console`, under ts-jest and ts-node).
 */
export function findConsoleDist(): string | null {
  const candidates = [
    resolve(__dirname, '..', '..', 'console', 'dist'),
    resolve(__dirname, '..', '..', '..', 'console', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * Serves the built console at `/console` from this same server: files as they are, any other
 * path under it gets index.html (the app routes in the browser). Hashed assets are cached for a
 * year, index.html never. Without a build, the console paths answer a plain 503 that says so.
 */
export async function mountConsole(
  app: NestFastifyApplication,
  distDir: string | null = findConsoleDist(),
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope: FastifyInstance) => {
    if (distDir) {
      // serve: false — only `reply.sendFile`, in this scope; the routes below pick the file.
      await scope.register(fastifyStatic, { root: distDir, serve: false, decorateReply: true });
    }
    scope.addHook('onRequest', (_request, reply, done) => {
      void reply.headers({
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      done();
    });
    const handler = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
      distDir ? serveFile(distDir, request, reply) : notBuilt(reply);
    scope.get(CONSOLE_PATH, (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`, 301));
    scope.get(`${CONSOLE_PATH}/*`, handler);
  });
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send('The CCH console is not built. Run `npm run build` (or `npm run console:build`).\n');
}

function serveFile(distDir: string, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const wildcard = (request.params as Record<string, string | undefined>)['*'] ?? '';
  const relative = relativeAssetPath(wildcard);
  if (relative && relative !== 'index.html' && existsSync(join(distDir, relative))) {
    return HASHED_ASSET.test(relative)
      ? reply.sendFile(relative, { maxAge: '365d', immutable: true })
      : reply.header('cache-control', 'no-cache').sendFile(relative, { cacheControl: false });
  }
  if (relative?.startsWith('assets/')) {
    // A missing script or style must fail as such, not load the HTML page in its place.
    return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n');
  }
  return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
}

/** The path inside the build for a URL wildcard, or null when it would leave the build. */
function relativeAssetPath(wildcard: string): string | null {
  const path = wildcard.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  const normalized = normalize(decoded).replace(/^([/\\])+/, '');
  if (normalized.startsWith('..') || normalized.includes(`${sep}..`) || normalized.includes('\0')) {
    return null;
  }
  return normalized.split(sep).join('/');
}
