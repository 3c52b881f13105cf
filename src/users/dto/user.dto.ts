import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsEnum,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { Limits } from '../../common/limits/limits';
import { LimitsDto } from '../../common/limits/limits.dto';
import { UserEntity, UserRole } from '../user.entity';

const GROUP_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

export class UserCreateDto {
  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ enum: UserRole, default: UserRole.User })
  @IsOptional()
  @IsEnum(UserRole)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'Provider group used for routing', example: 'default' })
  @IsOptional()
  @Matches(GROUP_PATTERN, { message: 'providerGroup may hold letters, digits, _ . - (1-100)' })
  providerGroup?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Models this user may call (exact or prefix*); omit for all',
    example: ['claude-sonnet-4*'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  allowedModels?: string[];

  @ApiPropertyOptional({ type: LimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LimitsDto)
  limits?: LimitsDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  expiresAt?: Date;
}

export class UserUpdateDto extends PartialType(UserCreateDto) {}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: UserRole }) role!: UserRole;
  @ApiProperty({ type: String, nullable: true }) providerGroup!: string | null;
  @ApiProperty({ type: [String], nullable: true }) allowedModels!: string[] | null;
  @ApiProperty({ type: LimitsDto }) limits!: Limits;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;

  static from(this: void, user: UserEntity): UserResponseDto {
    return {
      id: user.id,
      name: user.name,
      role: user.role,
      providerGroup: user.providerGroup,
      allowedModels: user.allowedModels,
      limits: user.limits,
      enabled: user.enabled,
      expiresAt: user.expiresAt,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
  }
}

export class UserPageDto {
  @ApiProperty({ type: [UserResponseDto] }) items!: UserResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
