import { UserEntity } from '../users/user.entity';
import { ApiKeyEntity } from './api-key.entity';

export type KeyRejection =
  | 'key_revoked'
  | 'key_disabled'
  | 'key_expired'
  | 'user_disabled'
  | 'user_expired'
  | 'user_deleted';

export const KEY_REJECTION_MESSAGES: Record<KeyRejection, string> = {
  key_revoked: 'This API key has been revoked.',
  key_disabled: 'This API key is disabled.',
  key_expired: 'This API key has expired.',
  user_disabled: 'The user of this API key is disabled.',
  user_expired: 'The user of this API key has expired.',
  user_deleted: 'The user of this API key no longer exists.',
};

/** Why a key may not be used right now, or null when it may. */
export function keyRejection(
  key: Pick<ApiKeyEntity, 'revokedAt' | 'enabled' | 'expiresAt'>,
  user: Pick<UserEntity, 'deletedAt' | 'enabled' | 'expiresAt'>,
  now: Date,
): KeyRejection | null {
  if (key.revokedAt) return 'key_revoked';
  if (!key.enabled) return 'key_disabled';
  if (key.expiresAt && key.expiresAt <= now) return 'key_expired';
  if (user.deletedAt) return 'user_deleted';
  if (!user.enabled) return 'user_disabled';
  if (user.expiresAt && user.expiresAt <= now) return 'user_expired';
  return null;
}
