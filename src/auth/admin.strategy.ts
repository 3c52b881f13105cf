import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { IncomingHttpHeaders } from 'node:http';
import { Strategy } from 'passport-custom';
import { extractAdminCredential } from './admin-credentials';
import { AdminAuthService } from './admin-auth.service';
import { AdminPrincipal } from './principal';

export const ADMIN_STRATEGY = 'cch-admin';

/** Passport strategy for the admin API: the admin token, or a gateway key of a privileged user. */
@Injectable()
export class AdminStrategy extends PassportStrategy(Strategy, ADMIN_STRATEGY) {
  constructor(private readonly auth: AdminAuthService) {
    super();
  }

  async validate(request: { headers: IncomingHttpHeaders }): Promise<AdminPrincipal | false> {
    const credential = extractAdminCredential(request.headers);
    if (!credential) {
      return false;
    }
    return (await this.auth.authenticate(credential)) ?? false;
  }
}
