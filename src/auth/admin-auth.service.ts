import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { hashApiKey, looksLikeApiKey } from '../common/crypto/api-key';
import { secretsEqual } from '../common/crypto/constant-time';
import { ApiKeysRepository } from '../keys/api-keys.repository';
import { keyRejection } from '../keys/key-validity';
import { ADMIN_TOKEN_ACTOR, AdminPrincipal } from './principal';
import { UserRole } from '../users/user.entity';

/** Resolves an admin API credential to a principal, or null when it proves nothing. */
@Injectable()
export class AdminAuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeysRepository,
  ) {}

  async authenticate(credential: string): Promise<AdminPrincipal | null> {
    if (secretsEqual(credential, this.config.env.ADMIN_TOKEN)) {
      return { kind: 'admin-token', role: UserRole.Admin, actor: ADMIN_TOKEN_ACTOR };
    }
    if (!looksLikeApiKey(credential)) {
      return null;
    }
    const key = await this.keys.findByHashWithUser(hashApiKey(credential));
    if (!key?.user || keyRejection(key, key.user, new Date()) !== null) {
      return null;
    }
    return {
      kind: 'user',
      role: key.user.role,
      userId: key.user.id,
      keyId: key.id,
      actor: `user:${key.user.id}`,
    };
  }
}
