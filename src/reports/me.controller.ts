import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { UsagePageDto } from '../billing/dto/usage.dto';
import { ApiKeyResponseDto } from '../keys/dto/api-key.dto';
import { UserRole } from '../users/user.entity';
import { CurrentUser, UserPrincipal } from './current-principal';
import { MeDto } from './dto/me.dto';
import { MeQueryDto, MeUsageQueryDto } from './dto/report-query.dto';
import { MeService } from './me.service';

/** Self-service for anyone with a gateway key, whatever their role; only their own data. */
@ApiTags('me')
@AdminAuth(UserRole.Admin, UserRole.Finance, UserRole.User)
@Controller('api/me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  @ApiOperation({
    summary: 'The caller: user, key, and limits with spend per budget window',
    description:
      'Spend comes from the usage ledger: rolling 5 hours, and the calendar day, ISO week ' +
      '(Monday) and month in `tz`, and all time. The admin token is refused with a 403: it ' +
      'belongs to no user.',
  })
  @ApiOkResponse({ type: MeDto })
  @ApiBadRequestResponse({ description: 'Unknown tz' })
  get(@CurrentUser() principal: UserPrincipal, @Query() query: MeQueryDto): Promise<MeDto> {
    return this.me.me(principal, query);
  }

  @Get('usage')
  @ApiOperation({ summary: "The caller's own usage records, newest first" })
  @ApiOkResponse({ type: UsagePageDto })
  @ApiBadRequestResponse({ description: 'Invalid from, to, tz, page or pageSize' })
  usage(
    @CurrentUser() principal: UserPrincipal,
    @Query() query: MeUsageQueryDto,
  ): Promise<UsagePageDto> {
    return this.me.usage(principal, query);
  }

  @Get('keys')
  @ApiOperation({
    summary: "The caller's user's gateway keys (prefix, state, dates; never the secret)",
  })
  @ApiOkResponse({ type: [ApiKeyResponseDto] })
  keys(@CurrentUser() principal: UserPrincipal): Promise<ApiKeyResponseDto[]> {
    return this.me.ownKeys(principal);
  }
}
