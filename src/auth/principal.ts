import { UserRole } from '../users/user.entity';

/** Who is calling the admin API: the bootstrap admin token, or a user through a gateway key. */
export type AdminPrincipal =
  | { kind: 'admin-token'; role: UserRole.Admin; actor: string }
  | { kind: 'user'; role: UserRole; userId: string; keyId: string; actor: string };

export const ADMIN_TOKEN_ACTOR = 'admin-token';
