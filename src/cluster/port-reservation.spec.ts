import { createServer, Server } from 'node:net';
import { freePort } from '../../test/support/ports';
import { PortUnavailableError, reservePort } from './port-reservation';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

describe('reservePort', () => {
  it('should give back a free port, and leave it free for the forks to listen on', async () => {
    const free = await freePort();
    expect(await reservePort('127.0.0.1', free)).toBe(free);
    const fork = createServer();
    await expect(listen(fork, free)).resolves.toBe(free);
    await close(fork);
  });

  it('should turn port 0 into one concrete port', async () => {
    const port = await reservePort('127.0.0.1', 0);
    expect(port).toBeGreaterThan(0);
  });

  it('should refuse a port another process listens on, naming the address', async () => {
    const other = createServer();
    const taken = await listen(other, 0);
    try {
      const reserving = reservePort('127.0.0.1', taken);
      await expect(reserving).rejects.toBeInstanceOf(PortUnavailableError);
      await expect(reserving).rejects.toThrow(`127.0.0.1:${taken} is already in use`);
    } finally {
      await close(other);
    }
  });
});
