// The "floor" of the benchmark: the least a gateway can do. A node:http server that reads the
// request body (a gateway must, to look at it), forwards the same bytes with undici to the
// upstream over a keep-alive pool, and pipes the answer back as it arrives. No auth, no parsing,
// no database: whatever CCH costs above this is CCH's own work.
//
//   FLOOR_UPSTREAM  base URL of the upstream (required), e.g. http://127.0.0.1:4000
//   FLOOR_PORT      port (0 = any free port; printed as `LISTENING <port>`)
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { Agent, request as undiciRequest } from 'undici';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

function forwardable(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

export function startFloorProxy({ upstream, port = 0, host = '127.0.0.1' }) {
  const origin = new URL(upstream).origin;
  const dispatcher = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (chunk) => parts.push(chunk));
    req.on('end', () => {
      const body = parts.length === 0 ? undefined : Buffer.concat(parts);
      undiciRequest(origin + req.url, {
        method: req.method,
        headers: forwardable(req.headers),
        body,
        dispatcher,
      })
        .then(async (answer) => {
          res.writeHead(answer.statusCode, forwardable(answer.headers));
          await pipeline(answer.body, res);
        })
        .catch((error) => {
          if (!res.headersSent) {
            res.writeHead(502, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: String(error?.message ?? error) } }));
          } else {
            res.destroy();
          }
        });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host, () => {
      const { port: bound } = server.address();
      resolve({
        port: bound,
        url: `http://127.0.0.1:${bound}`,
        close: async () => {
          server.closeAllConnections?.();
          await new Promise((done) => server.close(() => done()));
          await dispatcher.close().catch(() => undefined);
        },
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!process.env.FLOOR_UPSTREAM) {
    process.stderr.write('FLOOR_UPSTREAM is required\n');
    process.exit(2);
  }
  const proxy = await startFloorProxy({
    upstream: process.env.FLOOR_UPSTREAM,
    port: process.env.FLOOR_PORT ?? 0,
  });
  process.stdout.write(`LISTENING ${proxy.port}\n`);
  if (process.env.BENCH_CHILD === '1') {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  process.on('SIGTERM', () => process.exit(0));
}
