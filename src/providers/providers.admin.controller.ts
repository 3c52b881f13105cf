import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  SetMetadata,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AuditContext, CurrentAudit } from '../audit/audit-context';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ADMIN_ROLES_KEY } from '../auth/admin-auth.guard';
import { PageQueryDto } from '../common/admin/pagination.dto';
import { uuidParam } from '../common/admin/uuid-param';
import { AppConfig } from '../config/app-config';
import {
  HISTORY_LENGTH,
  ProviderHealthResult,
  ProviderHealthService,
} from '../health/provider-health.service';
import { UserRole } from '../users/user.entity';
import {
  ProviderCreateDto,
  ProviderPageDto,
  ProviderResponseDto,
  ProviderUpdateDto,
} from './dto/provider.dto';
import { ProvidersService } from './providers.service';

export class ProviderHealthQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: HISTORY_LENGTH, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_LENGTH)
  limit = 20;
}

export class ProviderHealthResultDto implements ProviderHealthResult {
  @ApiProperty({ format: 'uuid' })
  providerId!: string;

  @ApiProperty()
  ok!: boolean;

  @ApiProperty({ type: Number, nullable: true, example: 200 })
  httpStatus!: number | null;

  @ApiProperty({ example: 123 })
  latencyMs!: number;

  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Failure class: http_<status>, timeout, connection_error, egress_refused',
  })
  error!: string | null;
}

export class ProviderHealthDto {
  @ApiProperty({
    type: ProviderHealthResultDto,
    nullable: true,
    description: 'Latest result still in force (null once it expired or before any probe)',
  })
  latest!: ProviderHealthResultDto | null;

  @ApiProperty({ type: [ProviderHealthResultDto], description: 'Recent results, newest first' })
  history!: ProviderHealthResultDto[];
}

@ApiTags('providers')
@AdminAuth()
@Controller('api/providers')
export class ProvidersAdminController {
  constructor(
    private readonly providers: ProvidersService,
    private readonly health: ProviderHealthService,
    private readonly config: AppConfig,
  ) {}

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

  @Get(':id/health')
  @SetMetadata(ADMIN_ROLES_KEY, [UserRole.Admin, UserRole.Finance])
  @ApiOperation({
    summary: "A provider's latest health result and recent history",
    description: 'Roles admin and finance.',
  })
  @ApiOkResponse({ type: ProviderHealthDto })
  @ApiNotFoundResponse()
  async healthOf(
    @Param('id', uuidParam) id: string,
    @Query() query: ProviderHealthQueryDto,
  ): Promise<ProviderHealthDto> {
    await this.providers.requireEntity(id);
    const [latest, history] = await Promise.all([
      this.health.latest(id),
      this.health.history(id, query.limit),
    ]);
    return { latest, history };
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Probe one provider now',
    description: 'Publishes the result like the scheduled sweep does; audit-logged. Admins only.',
  })
  @ApiOkResponse({ type: ProviderHealthResultDto })
  @ApiNotFoundResponse()
  async test(
    @Param('id', uuidParam) id: string,
    @CurrentAudit() audit: AuditContext,
  ): Promise<ProviderHealthResultDto> {
    const provider = await this.providers.requireEntity(id);
    // Same lifetime as sweep results: three missed sweeps, then health is unknown again.
    const result = await this.health.probeAndPublish(
      provider,
      this.config.env.HEALTH_CHECK_INTERVAL_SECONDS * 3,
    );
    await this.providers.recordTest(
      id,
      { ok: result.ok, httpStatus: result.httpStatus, error: result.error },
      audit,
    );
    return result;
  }
}
