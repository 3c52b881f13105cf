import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { Limits } from '../../common/limits/limits';
import { LimitsDto } from '../../common/limits/limits.dto';
import {
  ProviderAuthScheme,
  ProviderEntity,
  ProviderTimeouts,
  ProviderType,
} from '../provider.entity';

@ValidatorConstraint({ name: 'modelRedirects' })
class ModelRedirectsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return false;
    }
    const entries = Object.entries(value);
    return (
      entries.length <= 200 &&
      entries.every(
        ([from, to]) =>
          from.length > 0 && from.length <= 200 && typeof to === 'string' && to.length > 0,
      )
    );
  }
  defaultMessage(): string {
    return 'modelRedirects must map model names (or prefix* patterns) to non-empty model names';
  }
}

export class ProviderTimeoutsDto implements ProviderTimeouts {
  @ApiPropertyOptional({ description: 'TCP/TLS connect timeout, ms', example: 5000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(120_000)
  connectMs?: number;

  @ApiPropertyOptional({ description: 'Time to first response byte, ms', example: 60000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(900_000)
  firstByteMs?: number;

  @ApiPropertyOptional({ description: 'Longest silence inside a stream, ms', example: 120000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(900_000)
  idleMs?: number;
}

export class ProviderCreateDto {
  @ApiProperty({ example: 'anthropic-main' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ProviderType })
  @IsEnum(ProviderType)
  type!: ProviderType;

  @ApiProperty({ example: 'https://api.anthropic.com' })
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @Length(1, 2048)
  baseUrl!: string;

  @ApiProperty({
    description: 'Upstream API key; stored encrypted, never returned',
    writeOnly: true,
  })
  @IsString()
  @Length(1, 4096)
  apiKey!: string;

  @ApiPropertyOptional({ enum: ProviderAuthScheme, default: ProviderAuthScheme.Native })
  @IsOptional()
  @IsEnum(ProviderAuthScheme)
  authScheme?: ProviderAuthScheme;

  @ApiPropertyOptional({ default: 1, description: 'Weight within its priority tier' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  weight?: number;

  @ApiPropertyOptional({ default: 0, description: 'Lower is tried first' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  priority?: number;

  @ApiPropertyOptional({ type: [String], default: ['default'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { each: true, message: 'each group: letters, digits, _ . -' })
  groups?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Model allowlist (exact or prefix*)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  models?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'claude-3-5-sonnet*': 'claude-sonnet-4-5' },
  })
  @IsOptional()
  @Validate(ModelRedirectsConstraint)
  modelRedirects?: Record<string, string>;

  @ApiPropertyOptional({ type: String, default: '1', description: 'Applied to every cost' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @Matches(/^\d{1,6}(\.\d{1,4})?$/, { message: 'costMultiplier must be a decimal like 1 or 0.85' })
  costMultiplier?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Let this provider (and its health probes) reach loopback/private/link-local addresses that the egress guard refuses and EGRESS_ALLOWLIST does not permit (an on-premises relay). Other providers stay guarded.',
  })
  @IsOptional()
  @IsBoolean()
  allowPrivateEgress?: boolean;

  @ApiPropertyOptional({ type: ProviderTimeoutsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProviderTimeoutsDto)
  timeouts?: ProviderTimeoutsDto;

  @ApiPropertyOptional({ type: LimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;
}

export class ProviderUpdateDto extends PartialType(ProviderCreateDto) {}

export class ProviderResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ProviderType }) type!: ProviderType;
  @ApiProperty() baseUrl!: string;
  @ApiProperty({ description: 'Masked preview of the upstream key' }) apiKeyPreview!: string;
  @ApiProperty({ enum: ProviderAuthScheme }) authScheme!: ProviderAuthScheme;
  @ApiProperty() weight!: number;
  @ApiProperty() priority!: number;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  modelRedirects!: Record<string, string>;
  @ApiProperty({ type: String }) costMultiplier!: string;
  @ApiProperty({ type: ProviderTimeoutsDto }) timeouts!: ProviderTimeouts;
  @ApiProperty({ type: LimitsDto }) limits!: Limits;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() allowPrivateEgress!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;

  static from(this: void, provider: ProviderEntity): ProviderResponseDto {
    return {
      id: provider.id,
      name: provider.name,
      type: provider.type,
      baseUrl: provider.baseUrl,
      apiKeyPreview: provider.apiKeyPreview,
      authScheme: provider.authScheme,
      weight: provider.weight,
      priority: provider.priority,
      groups: provider.groups,
      models: provider.models,
      modelRedirects: provider.modelRedirects,
      costMultiplier: provider.costMultiplier,
      timeouts: provider.timeouts,
      limits: provider.limits,
      enabled: provider.enabled,
      allowPrivateEgress: provider.allowPrivateEgress,
      createdAt: provider.createdAt,
      updatedAt: provider.updatedAt,
    };
  }
}

export class ProviderPageDto {
  @ApiProperty({ type: [ProviderResponseDto] }) items!: ProviderResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
