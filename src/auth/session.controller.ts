import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { UserRole } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { AdminAuth } from './admin-auth.decorator';
import { AdminPrincipal } from './principal';

export class SessionDto {
  @ApiProperty({ enum: ['admin-token', 'user'], description: 'Which credential was presented' })
  kind!: AdminPrincipal['kind'];

  @ApiProperty({ enum: UserRole, description: 'What the credential may do in the admin API' })
  role!: UserRole;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Null: admin token' })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The user name; null: admin token' })
  userName!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Null: admin token' })
  keyId!: string | null;
}

/** Who the caller is, so a client (the console) can show what the role allows. */
@ApiTags('session')
@AdminAuth(UserRole.Admin, UserRole.Finance, UserRole.User)
@Controller('api/session')
export class SessionController {
  constructor(private readonly users: UsersRepository) {}

  @Get()
  @ApiOperation({
    summary: "The caller's credential kind and role (whoami)",
    description: 'Any valid ADMIN_TOKEN or gateway key; every role.',
  })
  @ApiOkResponse({ type: SessionDto })
  async get(@Req() request: { user: AdminPrincipal }): Promise<SessionDto> {
    const principal = request.user;
    if (principal.kind === 'admin-token') {
      return {
        kind: principal.kind,
        role: principal.role,
        userId: null,
        userName: null,
        keyId: null,
      };
    }
    const user = await this.users.findById(principal.userId);
    return {
      kind: principal.kind,
      role: principal.role,
      userId: principal.userId,
      userName: user?.name ?? null,
      keyId: principal.keyId,
    };
  }
}
