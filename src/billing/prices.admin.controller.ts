import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Put,
  Query,
  SetMetadata,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AuditContext, CurrentAudit } from '../audit/audit-context';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ADMIN_ROLES_KEY } from '../auth/admin-auth.guard';
import { UserRole } from '../users/user.entity';
import { PriceDto, PricePageDto, PriceQueryDto, PriceUpdateDto } from './dto/price.dto';
import { PricesService } from './prices.service';

const MODEL_PARAM = {
  name: 'model',
  description:
    'Exact model name or prefix* pattern, URL-encoded (encodeURIComponent: `/` as %2F; `*` may ' +
    'stay as is)',
  example: 'claude-sonnet-4-5*',
};

@ApiTags('prices')
@AdminAuth()
@Controller('api/prices')
export class PricesAdminController {
  constructor(private readonly prices: PricesService) {}

  @Get()
  @SetMetadata(ADMIN_ROLES_KEY, [UserRole.Admin, UserRole.Finance])
  @ApiOperation({
    summary: 'Prices in force now (or, with history=true, every row), USD per million tokens',
    description: 'Roles admin and finance.',
  })
  @ApiOkResponse({ type: PricePageDto })
  list(@Query() query: PriceQueryDto): Promise<PricePageDto> {
    return this.prices.list(query);
  }

  @Put(':model')
  @ApiOperation({
    summary: 'Set an admin price for a model or pattern',
    description:
      'Inserts a new admin row effective from `effectiveFrom` (default now); earlier rows are ' +
      'kept as history and usage already recorded keeps its frozen cost. From its effective time ' +
      'the admin price overrides the bundled prices of the same pattern.',
  })
  @ApiParam(MODEL_PARAM)
  @ApiOkResponse({ type: PriceDto })
  @ApiBadRequestResponse({ description: 'Bad pattern, bad decimal or effectiveFrom in the past' })
  put(
    @Param('model') model: string,
    @Body() dto: PriceUpdateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<PriceDto> {
    return this.prices.put(model, dto, audit);
  }

  @Delete(':model')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End the admin price of a model or pattern',
    description:
      'Deletes scheduled (future) admin rows and inserts a tombstone effective now: the bundled ' +
      'price applies again. Past usage records keep their frozen cost.',
  })
  @ApiParam(MODEL_PARAM)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No admin price in force or scheduled for this pattern' })
  async remove(@Param('model') model: string, @CurrentAudit() audit: AuditContext): Promise<void> {
    await this.prices.remove(model, audit);
  }
}
