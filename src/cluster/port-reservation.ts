import { createServer } from 'node:net';

/** The gateway's address cannot be listened on: taken by another process, or not permitted. */
export class PortUnavailableError extends Error {
  constructor(host: string, port: number, code: string | undefined) {
    super(
      code === 'EADDRINUSE'
        ? `${host}:${port} is already in use (another CCH, or another program, listens there)`
        : `cannot listen on ${host}:${port} (${code ?? 'unknown error'})`,
    );
    this.name = 'PortUnavailableError';
  }
}

/**
 * Binds the gateway's address once, alone, before any fork listens, then lets it go; resolves
 * the port it got (the one asked for, or the kernel's pick for port 0).
 *
 * Why: with `reuseport` every fork binds with SO_REUSEPORT, and so would a second CCH cluster
 * started on the same port by mistake. The kernel would then accept both and split the traffic
 * between two deployments without a word. A plain bind fails on a port that any listener holds,
 * whatever its flags, so the second cluster stops here instead. With `round-robin` it also turns
 * a taken port into one clear error instead of forks that fail to listen and are re-forked
 * forever. And port 0 becomes one port that every fork is told, where `reuseport` forks would
 * each have picked a different one.
 */
export async function reservePort(host: string, port: number): Promise<number> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, resolve);
    });
  } catch (error: unknown) {
    // Not `instanceof Error`: a system error can come from another realm (a test's VM context).
    const code =
      typeof error === 'object' && error !== null && 'code' in error
        ? String(error.code)
        : undefined;
    throw new PortUnavailableError(host, port, code);
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
