/** Redis pub/sub channel on which key changes are announced so every replica drops its cache. */
export const KEY_INVALIDATION_CHANNEL = 'cch:keys:invalidate';
