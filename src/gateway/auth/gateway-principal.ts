import { Limits } from '../../common/limits/limits';
import { ApiKeyEntity } from '../../keys/api-key.entity';
import { KeyRejection, keyRejection } from '../../keys/key-validity';
import { UserEntity, UserRole } from '../../users/user.entity';

/**
 * What the gateway needs to know about a key and its user, in a form that survives JSON (it is
 * cached in Redis). Validity is re-evaluated on every request so expiry needs no invalidation.
 */
export interface KeySnapshot {
  key: {
    id: string;
    enabled: boolean;
    expiresAt: string | null;
    revokedAt: string | null;
    providerGroup: string | null;
    limits: Limits;
  };
  user: {
    id: string;
    name: string;
    role: UserRole;
    enabled: boolean;
    expiresAt: string | null;
    deletedAt: string | null;
    providerGroup: string | null;
    allowedModels: string[] | null;
    limits: Limits;
  };
}

/** The authenticated caller of a proxy route. */
export interface GatewayPrincipal {
  keyId: string;
  userId: string;
  role: UserRole;
  /** Key's group, else the user's, else `default`. */
  providerGroup: string;
  allowedModels: string[] | null;
  keyLimits: Limits;
  userLimits: Limits;
}

export function snapshotOf(key: ApiKeyEntity, user: UserEntity): KeySnapshot {
  const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
  return {
    key: {
      id: key.id,
      enabled: key.enabled,
      expiresAt: iso(key.expiresAt),
      revokedAt: iso(key.revokedAt),
      providerGroup: key.providerGroup,
      limits: key.limits,
    },
    user: {
      id: user.id,
      name: user.name,
      role: user.role,
      enabled: user.enabled,
      expiresAt: iso(user.expiresAt),
      deletedAt: iso(user.deletedAt),
      providerGroup: user.providerGroup,
      allowedModels: user.allowedModels,
      limits: user.limits,
    },
  };
}

export function evaluateSnapshot(
  snapshot: KeySnapshot,
  now: Date,
): { principal: GatewayPrincipal } | { rejection: KeyRejection } {
  const date = (value: string | null): Date | null => (value ? new Date(value) : null);
  const rejection = keyRejection(
    {
      revokedAt: date(snapshot.key.revokedAt),
      enabled: snapshot.key.enabled,
      expiresAt: date(snapshot.key.expiresAt),
    },
    {
      deletedAt: date(snapshot.user.deletedAt),
      enabled: snapshot.user.enabled,
      expiresAt: date(snapshot.user.expiresAt),
    },
    now,
  );
  if (rejection) return { rejection };
  return {
    principal: {
      keyId: snapshot.key.id,
      userId: snapshot.user.id,
      role: snapshot.user.role,
      providerGroup: snapshot.key.providerGroup ?? snapshot.user.providerGroup ?? 'default',
      allowedModels: snapshot.user.allowedModels,
      keyLimits: snapshot.key.limits,
      userLimits: snapshot.user.limits,
    },
  };
}
