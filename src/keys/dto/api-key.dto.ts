import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Limits } from '../../common/limits/limits';
import { LimitsDto } from '../../common/limits/limits.dto';
import { ApiKeyEntity } from '../api-key.entity';

export class ApiKeyCreateDto {
  @ApiProperty({ example: 'laptop' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  expiresAt?: Date;

  @ApiPropertyOptional({ type: LimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;

  @ApiPropertyOptional({ description: "Overrides the user's provider group for this key" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'providerGroup may hold letters, digits, _ . -' })
  providerGroup?: string;
}

export class ApiKeyUpdateDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Type(() => Date)
  @IsDate()
  expiresAt?: Date | null;

  @ApiPropertyOptional({ type: LimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'providerGroup may hold letters, digits, _ . -' })
  providerGroup?: string | null;
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the key, to tell keys apart' })
  keyPrefix!: string;
  @ApiProperty({ type: String, nullable: true }) providerGroup!: string | null;
  @ApiProperty({ type: LimitsDto }) limits!: Limits;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;

  static from(this: void, key: ApiKeyEntity): ApiKeyResponseDto {
    return {
      id: key.id,
      userId: key.userId,
      name: key.name,
      keyPrefix: key.keyPrefix,
      providerGroup: key.providerGroup,
      limits: key.limits,
      enabled: key.enabled,
      expiresAt: key.expiresAt,
      revokedAt: key.revokedAt,
      lastUsedAt: key.lastUsedAt,
      createdAt: key.createdAt,
    };
  }
}

export class ApiKeyCreatedDto extends ApiKeyResponseDto {
  @ApiProperty({
    description: 'The secret key. Shown only in this response; store it now.',
    example: 'sk-cch-…',
  })
  key!: string;
}
