import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';
import { waitFor } from './redis-server';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Another CCH replica as a real OS process (its own memory, caches and Passport registry),
 * sharing Postgres and Redis with the in-process test app: what "every replica" means in prod.
 * A single process unless `GATEWAY_WORKERS` says otherwise (then a cluster primary and its
 * gateway workers).
 */
export class GatewayProcess {
  readonly exited: Promise<ProcessExit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly output: string[],
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The JSON log lines written so far (by every process of a cluster) whose text has `text`. */
  logLines(text: string): Record<string, unknown>[] {
    return this.output
      .join('')
      .split('\n')
      .filter((line) => line.includes(text))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The pid of the process started (the cluster primary, with GATEWAY_WORKERS > 1). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** `nodeBinary`: another Node.js to run it with (this one's by default). */
  static async start(
    env: Record<string, string> = {},
    nodeBinary: string = process.execPath,
  ): Promise<GatewayProcess> {
    // `PORT` in env: start on a given port (a second replica on a taken one, say).
    const port = env.PORT ? Number(env.PORT) : await freePort();
    const output: string[] = [];
    const child = spawn(
      nodeBinary,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'src', 'main.ts')],
      {
        cwd: join(__dirname, '..', '..'),
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          CCH_ROLES: 'gateway',
          GATEWAY_WORKERS: '1',
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const replica = new GatewayProcess(child, port, output);
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`replica exited: ${output.join('')}`);
        return fetch(`${replica.baseUrl}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        );
      }, 120_000);
    } catch (error) {
      await replica.stop();
      throw error;
    }
    return replica;
  }

  /** The exit code once the process has exited, else null. */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** Sends a signal to the process started (the primary of a cluster). */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within five seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
