import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuditContext, CurrentAudit } from '../audit/audit-context';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { uuidParam } from '../common/admin/uuid-param';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyCreatedDto,
  ApiKeyCreateDto,
  ApiKeyResponseDto,
  ApiKeyUpdateDto,
} from './dto/api-key.dto';

@ApiTags('keys')
@AdminAuth()
@Controller('api')
export class ApiKeysAdminController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('users/:id/keys')
  @ApiCreatedResponse({ type: ApiKeyCreatedDto, description: 'The `key` is shown only once' })
  @ApiNotFoundResponse()
  create(
    @Param('id', uuidParam) userId: string,
    @Body() dto: ApiKeyCreateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<ApiKeyCreatedDto> {
    return this.keys.create(userId, dto, audit);
  }

  @Get('users/:id/keys')
  @ApiOkResponse({ type: [ApiKeyResponseDto] })
  @ApiNotFoundResponse()
  list(@Param('id', uuidParam) userId: string): Promise<ApiKeyResponseDto[]> {
    return this.keys.listForUser(userId);
  }

  @Patch('keys/:id')
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @ApiNotFoundResponse()
  update(
    @Param('id', uuidParam) id: string,
    @Body() dto: ApiKeyUpdateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<ApiKeyResponseDto> {
    return this.keys.update(id, dto, audit);
  }

  @Delete('keys/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Key revoked; it stops working at once' })
  @ApiNotFoundResponse()
  async revoke(
    @Param('id', uuidParam) id: string,
    @CurrentAudit() audit: AuditContext,
  ): Promise<void> {
    await this.keys.revoke(id, audit);
  }
}
