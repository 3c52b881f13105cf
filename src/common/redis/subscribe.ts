import type Redis from 'ioredis';

/**
 * A dedicated subscriber connection (a subscribed client can run nothing else) that calls
 * `onMessage` for each announcement and `onReconnect` when it reconnects, since announcements
 * sent while it was away are lost. Redis being down at boot is fine: the subscription completes
 * when it comes back. Close the returned client with `closeRedis`.
 */
export function subscribe(
  redis: Redis,
  channel: string,
  onMessage: (message: string) => void,
  onReconnect: () => void,
): Redis {
  // No command timeout: a subscription taken while Redis is slow must still complete.
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
  });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => onMessage(message));
  subscriber.on('ready', onReconnect);
  void subscriber.subscribe(channel).catch(() => undefined);
  return subscriber;
}
