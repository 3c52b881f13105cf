import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { pageWindow } from '../common/admin/pagination.dto';
import { UserRole } from '../users/user.entity';
import { UsagePageDto, UsageQueryDto, UsageRecordDto } from './dto/usage.dto';
import { UsageRecordsRepository } from './usage-records.repository';

@ApiTags('usage')
@AdminAuth(UserRole.Admin, UserRole.Finance)
@Controller('api/usage')
export class UsageAdminController {
  constructor(private readonly ledger: UsageRecordsRepository) {}

  /** The ledger, newest first, filtered by user, key, provider, model, status and time range. */
  @Get()
  @ApiOkResponse({ type: UsagePageDto })
  async list(@Query() query: UsageQueryDto): Promise<UsagePageDto> {
    const { skip, take } = pageWindow(query);
    const [records, total] = await this.ledger.findPage(query, skip, take);
    return { items: records.map(UsageRecordDto.from), total, page: query.page, pageSize: take };
  }
}
