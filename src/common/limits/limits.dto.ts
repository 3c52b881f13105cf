import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { Limits } from './limits';

const USD_PATTERN = /^\d{1,12}(\.\d{1,6})?$/;
const USD_MESSAGE = '$property must be a non-negative USD amount with at most 6 decimals';

/** Budgets travel as decimal strings so no float ever touches money; numbers are accepted too. */
const usdToString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : value;

export class LimitsDto implements Limits {
  @ApiPropertyOptional({ description: 'Requests per minute', example: 60 })
  @IsOptional()
  @IsInt()
  @Min(1)
  rpm?: number;

  @ApiPropertyOptional({ description: 'Concurrent sessions (in-flight requests)', example: 4 })
  @IsOptional()
  @IsInt()
  @Min(1)
  concurrentSessions?: number;

  @ApiPropertyOptional({ description: 'Rolling 5-hour budget in USD', example: '10' })
  @IsOptional()
  @Transform(usdToString)
  @Matches(USD_PATTERN, { message: USD_MESSAGE })
  usd5h?: string;

  @ApiPropertyOptional({ description: 'Daily budget in USD', example: '20' })
  @IsOptional()
  @Transform(usdToString)
  @Matches(USD_PATTERN, { message: USD_MESSAGE })
  usdDaily?: string;

  @ApiPropertyOptional({ description: 'Weekly budget in USD', example: '100' })
  @IsOptional()
  @Transform(usdToString)
  @Matches(USD_PATTERN, { message: USD_MESSAGE })
  usdWeekly?: string;

  @ApiPropertyOptional({ description: 'Monthly budget in USD', example: '300' })
  @IsOptional()
  @Transform(usdToString)
  @Matches(USD_PATTERN, { message: USD_MESSAGE })
  usdMonthly?: string;

  @ApiPropertyOptional({ description: 'Lifetime budget in USD', example: '1000' })
  @IsOptional()
  @Transform(usdToString)
  @Matches(USD_PATTERN, { message: USD_MESSAGE })
  usdTotal?: string;
}

/** Drops undefined members so the stored JSON only holds limits that were set. */
export function toLimits(dto: LimitsDto | undefined): Limits {
  if (!dto) {
    return {};
  }
  return Object.fromEntries(
    Object.entries(dto).filter(([, value]) => value !== undefined && value !== null),
  );
}
