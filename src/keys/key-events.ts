import Redis from 'ioredis';

/** Redis pub/sub channel on which key changes are announced so every replica drops its cache. */
export const KEY_INVALIDATION_CHANNEL = 'cch:keys:invalidate';

/** Shared (Redis) copy of a key's snapshot. */
export const keyCacheRedisKey = (keyHash: string): string => `cch:keycache:${keyHash}`;

/**
 * Bumped on every change to a key. A replica that read Postgres before the change must not put
 * its stale snapshot back into Redis after it: it only writes if the generation is unchanged.
 */
export const keyGenerationRedisKey = (keyHash: string): string => `cch:keygen:${keyHash}`;

const GENERATION_TTL_SECONDS = 7 * 24 * 3600;

/** Makes every replica forget these keys: bump generation, drop the shared copy, announce. */
export async function invalidateKeys(redis: Redis, keyHashes: readonly string[]): Promise<void> {
  if (keyHashes.length === 0) return;
  const pipeline = redis.multi();
  for (const keyHash of keyHashes) {
    pipeline.incr(keyGenerationRedisKey(keyHash));
    pipeline.expire(keyGenerationRedisKey(keyHash), GENERATION_TTL_SECONDS);
    pipeline.del(keyCacheRedisKey(keyHash));
    pipeline.publish(KEY_INVALIDATION_CHANNEL, keyHash);
  }
  await pipeline.exec();
}
