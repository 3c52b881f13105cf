import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';
import { waitFor } from './redis-server';

/**
 * Another CCH replica as a real OS process (its own memory, caches and Passport registry),
 * sharing Postgres and Redis with the in-process test app: what "every replica" means in prod.
 */
export class GatewayProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly output: string[],
  ) {}

  static async start(env: Record<string, string> = {}): Promise<GatewayProcess> {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'src', 'main.ts')],
      {
        cwd: join(__dirname, '..', '..'),
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          CCH_ROLES: 'gateway',
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const replica = new GatewayProcess(child, `http://127.0.0.1:${port}`, output);
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`replica exited: ${output.join('')}`);
        return fetch(`${replica.baseUrl}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        );
      }, 30_000);
    } catch (error) {
      await replica.stop();
      throw error;
    }
    return replica;
  }

  /** SIGTERM, then SIGKILL if it has not exited within five seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
