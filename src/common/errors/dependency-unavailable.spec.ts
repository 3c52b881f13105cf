import { unavailableDependency } from './dependency-unavailable';

const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code });

describe('unavailableDependency', () => {
  it('recognises ioredis failures of a connection that is down', () => {
    expect(unavailableDependency(new Error('Connection is closed.'))).toBe('redis');
    expect(
      unavailableDependency(
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      ),
    ).toBe('redis');
  });

  it('recognises pg pool and server-side connection failures', () => {
    expect(
      unavailableDependency(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')),
    ).toBe('postgres');
    expect(unavailableDependency(new Error('Connection terminated unexpectedly'))).toBe('postgres');
    expect(unavailableDependency(withCode('terminating connection', '57P01'))).toBe('postgres');
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: withCode('x', '08006'),
    });
    expect(unavailableDependency(wrapped)).toBe('postgres');
  });

  it('leaves every other failure alone', () => {
    expect(unavailableDependency(withCode('duplicate key', '23505'))).toBeNull();
    expect(unavailableDependency(new TypeError('x is undefined'))).toBeNull();
    expect(unavailableDependency('string')).toBeNull();
  });
});
