import { Injectable, NotFoundException } from '@nestjs/common';
import { CsvCell, csvFileName, numeric, toCsv } from './csv';
import {
  CostReportQueryDto,
  GroupBy,
  UnpricedQueryDto,
  UserReportQueryDto,
} from './dto/report-query.dto';
import {
  CostReportDto,
  CostReportRowDto,
  ReportRangeDto,
  TokenTotalsDto,
  UnpricedReportDto,
  UsageTotalsDto,
  UserReportDto,
} from './dto/report.dto';
import { ReportRange, ReportRangeService } from './report-range.service';
import { GROUP_COLUMNS, GroupRow, ReportsRepository, SumsRow } from './reports.repository';

/** A CSV download: body plus the file name for `content-disposition`. */
export interface CsvFile {
  fileName: string;
  body: string;
}

type TokenSource = Omit<SumsRow, 'requests' | 'cost_usd' | 'unpriced_requests'>;

function tokens(row: TokenSource): TokenTotalsDto {
  return {
    input: row.input_tokens,
    output: row.output_tokens,
    cacheWrite5m: row.cache_write_5m_tokens,
    cacheWrite1h: row.cache_write_1h_tokens,
    cacheRead: row.cache_read_tokens,
    reasoning: row.reasoning_tokens,
  };
}

function totals(row: SumsRow | undefined): UsageTotalsDto {
  if (!row) {
    const zero = '0';
    return {
      requests: 0,
      tokens: {
        input: zero,
        output: zero,
        cacheWrite5m: zero,
        cacheWrite1h: zero,
        cacheRead: zero,
        reasoning: zero,
      },
      costUsd: '0.0000000000',
      unpricedRequests: 0,
    };
  }
  return {
    requests: row.requests,
    tokens: tokens(row),
    costUsd: row.cost_usd,
    unpricedRequests: row.unpriced_requests,
  };
}

function rangeDto(range: ReportRange): ReportRangeDto {
  return {
    from: range.from?.toISOString() ?? null,
    to: range.to?.toISOString() ?? null,
    tz: range.tz,
  };
}

function text(row: GroupRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : String(value);
}

/** CSV columns after the group's label columns; the same for every report line. */
const SUM_HEADER = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'cache_read_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unpriced_requests',
];

function sumCells(line: UsageTotalsDto): CsvCell[] {
  return [
    line.requests,
    numeric(line.tokens.input),
    numeric(line.tokens.output),
    numeric(line.tokens.cacheWrite5m),
    numeric(line.tokens.cacheWrite1h),
    numeric(line.tokens.cacheRead),
    numeric(line.tokens.reasoning),
    numeric(line.costUsd),
    line.unpricedRequests,
  ];
}

/** Label columns of the CSV, per `groupBy`. */
const CSV_LABELS: Record<GroupBy, { header: string[]; cells(row: CostReportRowDto): CsvCell[] }> = {
  user: { header: ['user_id', 'user_name'], cells: (row) => [row.id, row.name] },
  key: {
    header: ['key_id', 'key_name', 'key_prefix', 'user_id', 'user_name'],
    cells: (row) => [
      row.id,
      row.name,
      row.keyPrefix ?? null,
      row.userId ?? null,
      row.userName ?? null,
    ],
  },
  model: { header: ['model'], cells: (row) => [row.id] },
  provider: { header: ['provider_id', 'provider_name'], cells: (row) => [row.id, row.name] },
  client: { header: ['client'], cells: (row) => [row.id] },
  day: { header: ['day'], cells: (row) => [row.id] },
};

/** The range in a file name: `cch-costs-by_user_2026-03-01T00-00-00.000Z_2026-04-01….csv`. */
function stamp(range: ReportRangeDto): string[] {
  return [range.from ?? 'start', range.to ?? 'open'];
}

/** Cost reports over the usage ledger for admins and finance. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly ranges: ReportRangeService,
    private readonly reports: ReportsRepository,
  ) {}

  async costs(query: CostReportQueryDto): Promise<CostReportDto> {
    const range = await this.ranges.resolve(query);
    const rows = await this.reports.costsBy(query.groupBy, range);
    const [idColumn, nameColumn] = GROUP_COLUMNS[query.groupBy];
    const groups = rows
      .filter((row) => Number(row.is_total) === 0)
      .map((row): CostReportRowDto => {
        const line: CostReportRowDto = {
          id: text(row, idColumn ?? ''),
          name: nameColumn ? text(row, nameColumn) : null,
          ...totals(row),
        };
        if (query.groupBy === 'key') {
          line.keyPrefix = text(row, 'key_prefix');
          line.userId = text(row, 'user_id');
          line.userName = text(row, 'user_name');
        }
        return line;
      });
    const total = rows.find((row) => Number(row.is_total) === 1);
    return { groupBy: query.groupBy, range: rangeDto(range), rows: groups, totals: totals(total) };
  }

  costsCsv(report: CostReportDto): CsvFile {
    const labels = CSV_LABELS[report.groupBy];
    return {
      fileName: csvFileName(['cch-costs-by', report.groupBy, ...stamp(report.range)]),
      body: toCsv(
        [...labels.header, ...SUM_HEADER],
        report.rows.map((row) => [...labels.cells(row), ...sumCells(row)]),
      ),
    };
  }

  async user(userId: string, query: UserReportQueryDto): Promise<UserReportDto> {
    const user = await this.reports.findUser(userId);
    if (!user) throw new NotFoundException(`User ${userId} not found`);
    const range = await this.ranges.resolve(query);
    const { days, sessions } = await this.reports.userDetail(userId, range);
    return {
      user: { id: user.id, name: user.name, role: user.role, deleted: user.deletedAt !== null },
      range: rangeDto(range),
      days: days
        .filter((row) => Number(row.is_total) === 0)
        .map((row) => ({ day: row.day ?? '', model: row.upstream_model, ...totals(row) })),
      sessions: sessions.map((row) => ({
        sessionId: row.session_id,
        firstSeen: row.first_seen.toISOString(),
        lastSeen: row.last_seen.toISOString(),
        ...totals(row),
      })),
      totals: totals(days.find((row) => Number(row.is_total) === 1)),
    };
  }

  userCsv(report: UserReportDto, part: 'days' | 'sessions'): CsvFile {
    const fileName = csvFileName([`cch-user-${part}`, report.user.id, ...stamp(report.range)]);
    if (part === 'sessions') {
      return {
        fileName,
        body: toCsv(
          ['session_id', 'first_seen', 'last_seen', ...SUM_HEADER],
          report.sessions.map((row) => [
            row.sessionId,
            row.firstSeen,
            row.lastSeen,
            ...sumCells(row),
          ]),
        ),
      };
    }
    return {
      fileName,
      body: toCsv(
        ['day', 'model', ...SUM_HEADER],
        report.days.map((row) => [row.day, row.model, ...sumCells(row)]),
      ),
    };
  }

  async unpriced(query: UnpricedQueryDto): Promise<UnpricedReportDto> {
    const range = await this.ranges.resolve(query);
    const rows = await this.reports.unpriced(range);
    return {
      range: rangeDto(range),
      models: rows.map((row) => ({
        model: row.model,
        requestedModels: row.requested_models,
        requests: row.requests,
        tokens: tokens(row),
        firstSeen: row.first_seen.toISOString(),
        lastSeen: row.last_seen.toISOString(),
      })),
    };
  }
}
