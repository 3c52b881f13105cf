import type { Dependency } from '../../metrics/degradation';

/** Node socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down / not accepting). */
const POSTGRES_UNAVAILABLE_STATE = /^(08\d{3}|57P0[1-4])$/;

/** Messages of the pg pool and client when the server is gone (they carry no code). */
const POSTGRES_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout/i;

/** Messages of ioredis when a command meets a connection that is down (offline queue off). */
const REDIS_MESSAGES =
  /Connection is closed|enableOfflineQueue options is false|Reached the max retries per request limit|Command timed out/i;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/**
 * Which dependency an error says is unreachable, or null when it is any other failure (a bug, a
 * constraint violation, a timeout of a healthy server…). Used to answer 503 instead of 500.
 */
export function unavailableDependency(error: unknown): Dependency | null {
  for (let current = error, depth = 0; depth < 4; depth += 1) {
    // Duck-typed: socket errors may come from another realm, where `instanceof Error` is false.
    if (current === null || typeof current !== 'object') return null;
    const { name, message, code, driverError, cause } = current as ErrorLike;
    const text = typeof message === 'string' ? message : '';
    if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(text)) return 'redis';
    if (typeof code === 'string' && POSTGRES_UNAVAILABLE_STATE.test(code)) return 'postgres';
    if (POSTGRES_MESSAGES.test(text)) return 'postgres';
    // Redis commands never surface socket codes (they fail with "Connection is closed" while the
    // client reconnects); a socket code on a request path comes from the pg pool connecting.
    if (typeof code === 'string' && SOCKET_CODES.has(code)) return 'postgres';
    current = driverError ?? cause;
  }
  return null;
}

/**
 * The error itself, typed as an Error, when it says a dependency is unreachable (for code that
 * rethrows it to the filter that answers 503); null otherwise.
 */
export function dependencyFailure(error: unknown): Error | null {
  return unavailableDependency(error) === null ? null : (error as Error);
}
