import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuditContext, CurrentAudit } from '../audit/audit-context';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { PageQueryDto } from '../common/admin/pagination.dto';
import { uuidParam } from '../common/admin/uuid-param';
import {
  ProviderCreateDto,
  ProviderPageDto,
  ProviderResponseDto,
  ProviderUpdateDto,
} from './dto/provider.dto';
import { ProvidersService } from './providers.service';

@ApiTags('providers')
@AdminAuth()
@Controller('api/providers')
export class ProvidersAdminController {
  constructor(private readonly providers: ProvidersService) {}

  @Post()
  @ApiCreatedResponse({ type: ProviderResponseDto })
  @ApiConflictResponse({ description: 'Name already taken' })
  create(
    @Body() dto: ProviderCreateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<ProviderResponseDto> {
    return this.providers.create(dto, audit);
  }

  @Get()
  @ApiOkResponse({ type: ProviderPageDto })
  list(@Query() query: PageQueryDto): Promise<ProviderPageDto> {
    return this.providers.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProviderResponseDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuidParam) id: string): Promise<ProviderResponseDto> {
    return this.providers.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProviderResponseDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Name already taken' })
  update(
    @Param('id', uuidParam) id: string,
    @Body() dto: ProviderUpdateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<ProviderResponseDto> {
    return this.providers.update(id, dto, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(
    @Param('id', uuidParam) id: string,
    @CurrentAudit() audit: AuditContext,
  ): Promise<void> {
    await this.providers.remove(id, audit);
  }
}
