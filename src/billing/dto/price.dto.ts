import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import Decimal from 'decimal.js';
import { PageQueryDto } from '../../common/admin/pagination.dto';
import { ModelPriceEntity, PriceSource } from '../model-price.entity';
import { PRICE_DECIMAL } from '../price-snapshot';

/** Numbers are accepted and kept as their decimal text; strings are the documented form. */
const numberToString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' ? String(value) : value;

const decimalMessage = (field: string): { message: string } => ({
  message: `${field} must be a decimal string of USD per million tokens, like "3" or "0.375" (≤ 10 decimals)`,
});

const LONG_FIELDS = [
  'longInput',
  'longOutput',
  'longCacheWrite5m',
  'longCacheWrite1h',
  'longCacheRead',
] as const;

/** Any tier field given: the threshold, longInput and longOutput are then all required. */
function hasTier(dto: PriceUpdateDto): boolean {
  return (
    dto.longContextThreshold !== undefined || LONG_FIELDS.some((field) => dto[field] !== undefined)
  );
}

export class PriceQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'A model name or pattern: lists the patterns that price it (exact name first, then the ' +
      'longest prefix, so the first item is the one in force)',
    example: 'claude-sonnet-4-5-20250929',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Every row (bundled, admin, tombstones, scheduled), not only those in force',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'history must be true or false' })
  history = false;
}

export class PriceUpdateDto {
  @ApiProperty({ example: '3', description: 'Uncached input, USD per million tokens' })
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('input'))
  input!: string;

  @ApiProperty({
    example: '15',
    description: 'Output (reasoning included), USD per million tokens',
  })
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('output'))
  output!: string;

  @ApiPropertyOptional({ example: '3.75', description: 'Omitted: 1.25 × input' })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('cacheWrite5m'))
  cacheWrite5m?: string;

  @ApiPropertyOptional({ example: '6', description: 'Omitted: 2 × input' })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('cacheWrite1h'))
  cacheWrite1h?: string;

  @ApiPropertyOptional({ example: '0.3', description: 'Omitted: 0.1 × input' })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('cacheRead'))
  cacheRead?: string;

  @ApiPropertyOptional({
    example: 200000,
    description:
      'Long-context tier: when input + cache read + cache writes of a request exceed this many ' +
      'tokens, the whole request is priced with the long* prices. Requires longInput and longOutput.',
  })
  @ValidateIf(hasTier)
  @IsDefined({ message: 'longContextThreshold is required when long-context prices are given' })
  @IsInt({ message: 'longContextThreshold must be an integer number of tokens' })
  @Min(1)
  @Max(2_000_000_000)
  longContextThreshold?: number;

  @ApiPropertyOptional({ example: '6' })
  @ValidateIf(hasTier)
  @IsDefined({ message: 'longInput is required with longContextThreshold' })
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('longInput'))
  longInput?: string;

  @ApiPropertyOptional({ example: '22.5' })
  @ValidateIf(hasTier)
  @IsDefined({ message: 'longOutput is required with longContextThreshold' })
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('longOutput'))
  longOutput?: string;

  @ApiPropertyOptional({
    example: '7.5',
    description: 'Omitted: cacheWrite5m, else 1.25 × longInput',
  })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('longCacheWrite5m'))
  longCacheWrite5m?: string;

  @ApiPropertyOptional({ example: '12', description: 'Omitted: cacheWrite1h, else 2 × longInput' })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('longCacheWrite1h'))
  longCacheWrite1h?: string;

  @ApiPropertyOptional({ example: '0.6', description: 'Omitted: cacheRead, else 0.1 × longInput' })
  @IsOptional()
  @Transform(numberToString)
  @Matches(PRICE_DECIMAL, decimalMessage('longCacheRead'))
  longCacheRead?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'When the price takes effect; not in the past. Omitted: now',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'effectiveFrom must be an ISO 8601 date-time' })
  effectiveFrom?: Date;
}

export class PriceDto {
  @ApiProperty({ description: 'Row id; usage records store it as priceVersion' }) id!: string;
  @ApiProperty({ description: 'Exact model name or prefix* pattern' }) model!: string;
  @ApiProperty({ enum: PriceSource }) source!: PriceSource;
  @ApiProperty({ description: 'An admin row ending the admin override (prices are null)' })
  tombstone!: boolean;
  @ApiProperty({ type: String, nullable: true }) input!: string | null;
  @ApiProperty({ type: String, nullable: true }) output!: string | null;
  @ApiProperty({ type: String, nullable: true }) cacheWrite5m!: string | null;
  @ApiProperty({ type: String, nullable: true }) cacheWrite1h!: string | null;
  @ApiProperty({ type: String, nullable: true }) cacheRead!: string | null;
  @ApiProperty({ type: Number, nullable: true }) longContextThreshold!: number | null;
  @ApiProperty({ type: String, nullable: true }) longInput!: string | null;
  @ApiProperty({ type: String, nullable: true }) longOutput!: string | null;
  @ApiProperty({ type: String, nullable: true }) longCacheWrite5m!: string | null;
  @ApiProperty({ type: String, nullable: true }) longCacheWrite1h!: string | null;
  @ApiProperty({ type: String, nullable: true }) longCacheRead!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Snapshot source or admin actor' })
  origin!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) effectiveFrom!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;

  static from(this: void, entity: ModelPriceEntity): PriceDto {
    return {
      id: entity.id,
      model: entity.model,
      source: entity.source,
      tombstone: entity.tombstone,
      input: plain(entity.input),
      output: plain(entity.output),
      cacheWrite5m: plain(entity.cacheWrite5m),
      cacheWrite1h: plain(entity.cacheWrite1h),
      cacheRead: plain(entity.cacheRead),
      longContextThreshold: entity.longContextThreshold,
      longInput: plain(entity.longInput),
      longOutput: plain(entity.longOutput),
      longCacheWrite5m: plain(entity.longCacheWrite5m),
      longCacheWrite1h: plain(entity.longCacheWrite1h),
      longCacheRead: plain(entity.longCacheRead),
      origin: entity.origin,
      effectiveFrom: entity.effectiveFrom,
      createdAt: entity.createdAt,
    };
  }
}

export class PricePageDto {
  @ApiProperty({ type: [PriceDto] }) items!: PriceDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

/** `3.0000000000` (numeric(20,10) as the driver returns it) → `3`. */
function plain(value: string | null): string | null {
  return value === null ? null : new Decimal(value).toFixed();
}
