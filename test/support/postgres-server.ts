import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { freePort } from './ports';
import { waitFor } from './redis-server';

const run = promisify(execFile);
const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** Postgres refuses to run as root: as root, the cluster belongs to this OS user. */
const PG_OS_USER = 'postgres';
const AS_ROOT = process.getuid?.() === 0;

/** The command line of a Postgres binary, through runuser when the tests run as root. */
function pgCommand(binary: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN, binary);
  return AS_ROOT ? ['runuser', ['-u', PG_OS_USER, '--', path, ...args]] : [path, args];
}

/**
 * A private Postgres cluster on a spare port for fault tests: they SIGKILL and restart this one,
 * never the machine's shared server. Trust auth, superuser `root`, data in a temporary directory.
 */
export class PrivatePostgres {
  private process: ChildProcess | null = null;
  /** Everything the server printed, for the failure message when it does not come up. */
  private readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly dataDir: string,
  ) {}

  /** initdb (about two seconds), start, and create `database` with the app's migrations run. */
  static async start(database = 'cch'): Promise<PrivatePostgres> {
    const root = await mkdtemp(join(tmpdir(), 'cch-pg-'));
    if (AS_ROOT) {
      const { uid, gid } = await osUser(PG_OS_USER);
      await chown(root, uid, gid);
    }
    const server = new PrivatePostgres(await freePort(), root);
    await run(
      ...pgCommand('initdb', ['-D', join(root, 'data'), '-A', 'trust', '-U', 'root', '--no-sync']),
    );
    await server.restart();
    const admin = new Client({ connectionString: server.urlFor('postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const dataSource = await new DataSource(
      buildDataSourceOptions(server.urlFor(database)),
    ).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
    return server;
  }

  urlFor(database: string): string {
    return `postgres://root@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server on the same data directory and port (crash recovery runs if it was killed). */
  async restart(): Promise<void> {
    const [command, args] = pgCommand('postgres', [
      '-D',
      join(this.dataDir, 'data'),
      '-p',
      String(this.port),
      '-k',
      this.dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ]);
    this.process = spawn(
      command,
      args,
      // A process group of its own, so a kill takes the postmaster and every backend at once.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const collect = (chunk: Buffer) => this.output.push(chunk.toString());
    this.process.stdout?.on('data', collect);
    this.process.stderr?.on('data', collect);
    const child = this.process;
    await waitFor(async () => {
      if (child.exitCode !== null) {
        throw new Error(`private postgres exited: ${this.output.join('')}`);
      }
      return accepts(this.urlFor('postgres'));
    }, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${this.output.join('')}`);
    });
  }

  /** SIGKILL to the whole server (postmaster and backends): a crash, not a shutdown. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGKILL');
    await exited;
    // Backends are in the same group and die with it; wait until the port is really free.
    await waitFor(async () => !(await accepts(this.urlFor('postgres'))), 5_000);
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', name]).then(({ stdout }) => Number(stdout.trim())),
    run('id', ['-g', name]).then(({ stdout }) => Number(stdout.trim())),
  ]);
  return { uid, gid };
}
