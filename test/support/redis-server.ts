import { ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './ports';

/**
 * A private `redis-server` on a spare port for fault tests: they kill and restart this one,
 * never the machine's shared Redis.
 */
export class PrivateRedis {
  private process: ChildProcess | null = null;

  /**
   * `persistDir` turns on the append-only file with fsync on every write, as a production Redis
   * holding usage jobs should run: a killed and restarted server then keeps every acknowledged job.
   */
  private constructor(
    readonly port: number,
    private readonly persistDir: string | null,
  ) {}

  static async start(options: { persistDir?: string } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options.persistDir ?? null);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const persistence = this.persistDir
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.persistDir]
      : ['--appendonly', 'no'];
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    await waitFor(() => ping(this.port), 5_000);
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered until `resume`. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
