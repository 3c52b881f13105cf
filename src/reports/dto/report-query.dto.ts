import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/admin/pagination.dto';
import { IsReportTime, IsTimeZone } from '../report-time';

export const GROUP_BY = ['user', 'key', 'model', 'provider', 'client', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const USER_REPORT_PARTS = ['days', 'sessions'] as const;
export type UserReportPart = (typeof USER_REPORT_PARTS)[number];

const TIME_DESCRIPTION =
  'An instant with offset (2026-03-01T00:00:00Z) or a local date / date-time without offset ' +
  '(2026-03-01, 2026-03-01T08:00), read as wall-clock time in `tz`.';

/** A half-open time range [from, to) and the zone for calendar days and local times. */
export class ReportRangeQueryDto {
  @ApiPropertyOptional({
    description: `Inclusive lower bound. ${TIME_DESCRIPTION} Omitted: no lower bound.`,
    example: '2026-03-01',
  })
  @IsOptional()
  @IsReportTime()
  from?: string;

  @ApiPropertyOptional({
    description: `Exclusive upper bound. ${TIME_DESCRIPTION} Omitted: no upper bound.`,
    example: '2026-04-01',
  })
  @IsOptional()
  @IsReportTime()
  to?: string;

  @ApiPropertyOptional({
    description: 'IANA time zone for `day` groups and for local `from` / `to`',
    default: 'UTC',
    example: 'Europe/Berlin',
  })
  @IsOptional()
  @IsTimeZone()
  tz: string = 'UTC';
}

export class CostReportQueryDto extends ReportRangeQueryDto {
  @ApiPropertyOptional({
    enum: GROUP_BY,
    default: 'user',
    description: '`model` groups by the upstream model (the one that was priced)',
  })
  @IsOptional()
  @IsIn(GROUP_BY, { message: `groupBy must be one of: ${GROUP_BY.join(', ')}` })
  groupBy: GroupBy = 'user';

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `format must be one of: ${REPORT_FORMATS.join(', ')}` })
  format: ReportFormat = 'json';
}

export class UserReportQueryDto extends ReportRangeQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `format must be one of: ${REPORT_FORMATS.join(', ')}` })
  format: ReportFormat = 'json';

  @ApiPropertyOptional({
    enum: USER_REPORT_PARTS,
    default: 'days',
    description: 'With format=csv: which table to export (cost by day and model, or sessions)',
  })
  @IsOptional()
  @IsIn(USER_REPORT_PARTS, { message: `part must be one of: ${USER_REPORT_PARTS.join(', ')}` })
  part: UserReportPart = 'days';
}

export class UnpricedQueryDto extends ReportRangeQueryDto {}

export class MeQueryDto {
  @ApiPropertyOptional({
    description: 'IANA time zone of the daily, weekly (ISO, Monday) and monthly budget windows',
    default: 'UTC',
  })
  @IsOptional()
  @IsTimeZone()
  tz: string = 'UTC';
}

export class MeUsageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: `Inclusive lower bound. ${TIME_DESCRIPTION}` })
  @IsOptional()
  @IsReportTime()
  from?: string;

  @ApiPropertyOptional({ description: `Exclusive upper bound. ${TIME_DESCRIPTION}` })
  @IsOptional()
  @IsReportTime()
  to?: string;

  @ApiPropertyOptional({ description: 'IANA time zone for local `from` / `to`', default: 'UTC' })
  @IsOptional()
  @IsTimeZone()
  tz: string = 'UTC';
}
