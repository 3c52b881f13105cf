import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GROUP_BY, GroupBy } from './report-query.dto';

/** Token sums as decimal strings: bigint sums outgrow JavaScript numbers. */
export class TokenTotalsDto {
  @ApiProperty({ example: '1234567', description: 'Uncached input tokens' }) input!: string;
  @ApiProperty({ example: '89012', description: 'Output tokens, reasoning included' })
  output!: string;
  @ApiProperty({ example: '0' }) cacheWrite5m!: string;
  @ApiProperty({ example: '0' }) cacheWrite1h!: string;
  @ApiProperty({ example: '450000' }) cacheRead!: string;
  @ApiProperty({ example: '1200', description: 'Already included in output' }) reasoning!: string;
}

/** What every report line sums: requests of any status, tokens and exact cost. */
export class UsageTotalsDto {
  @ApiProperty({ example: 42 }) requests!: number;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
  @ApiProperty({
    example: '12.3456789000',
    description: 'Exact USD sum of cost_usd (numeric, 10 decimals); unpriced requests add 0',
  })
  costUsd!: string;
  @ApiProperty({
    example: 0,
    description: 'Requests without a cost that carry usage: success, or any tokens recorded',
  })
  unpricedRequests!: number;
}

export class ReportRangeDto {
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Exclusive' })
  to!: string | null;
  @ApiProperty({ example: 'Europe/Berlin' }) tz!: string;
}

export class CostReportRowDto extends UsageTotalsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The group: user, key or provider id, upstream model, client name or local day ' +
      '(YYYY-MM-DD). Null for requests that reached no provider / model.',
  })
  id!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'User, key or provider name; null for model, client and day groups',
  })
  name!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'groupBy=key only' })
  keyPrefix?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'groupBy=key: the owner' })
  userId?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'groupBy=key: the owner' })
  userName?: string | null;
}

export class CostReportDto {
  @ApiProperty({ enum: GROUP_BY }) groupBy!: GroupBy;
  @ApiProperty({ type: ReportRangeDto }) range!: ReportRangeDto;
  @ApiProperty({ type: [CostReportRowDto] }) rows!: CostReportRowDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
}

export class UserDayModelRowDto extends UsageTotalsDto {
  @ApiProperty({ example: '2026-03-01', description: 'Local calendar day in tz' }) day!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Upstream model' })
  model!: string | null;
}

export class UserSessionRowDto extends UsageTotalsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Null collects the requests that carried no session id',
  })
  sessionId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) firstSeen!: string;
  @ApiProperty({ type: String, format: 'date-time' }) lastSeen!: string;
}

export class ReportUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ description: 'Soft-deleted users keep their ledger' }) deleted!: boolean;
}

export class UserReportDto {
  @ApiProperty({ type: ReportUserDto }) user!: ReportUserDto;
  @ApiProperty({ type: ReportRangeDto }) range!: ReportRangeDto;
  @ApiProperty({ type: [UserDayModelRowDto] }) days!: UserDayModelRowDto[];
  @ApiProperty({ type: [UserSessionRowDto] }) sessions!: UserSessionRowDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
}

export class UnpricedRowDto {
  @ApiProperty({ type: String, nullable: true, description: 'Upstream model' })
  model!: string | null;
  @ApiProperty({ type: [String], description: 'Model names the clients asked for' })
  requestedModels!: string[];
  @ApiProperty() requests!: number;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
  @ApiProperty({ type: String, format: 'date-time' }) firstSeen!: string;
  @ApiProperty({ type: String, format: 'date-time' }) lastSeen!: string;
}

export class UnpricedReportDto {
  @ApiProperty({ type: ReportRangeDto }) range!: ReportRangeDto;
  @ApiProperty({ type: [UnpricedRowDto] }) models!: UnpricedRowDto[];
}
