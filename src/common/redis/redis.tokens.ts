/** Injection token of the shared ioredis client used for caches, counters and health. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
