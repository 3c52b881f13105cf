import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { uuidParam } from '../common/admin/uuid-param';
import { UserRole } from '../users/user.entity';
import { CostReportQueryDto, UnpricedQueryDto, UserReportQueryDto } from './dto/report-query.dto';
import { CostReportDto, UnpricedReportDto, UserReportDto } from './dto/report.dto';
import { CsvFile, ReportsService } from './reports.service';

/** Sends a CSV download; the route then returns its body as a string. */
function sendCsv(reply: FastifyReply, file: CsvFile): string {
  void reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.fileName}"`);
  return file.body;
}

@ApiTags('reports')
@AdminAuth(UserRole.Admin, UserRole.Finance)
@Controller('api/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('costs')
  @ApiOperation({
    summary: 'Requests, tokens and exact cost per user, key, model, provider, client or day',
    description:
      'Sums the usage ledger over [from, to). `day` groups by the local calendar day in `tz`; ' +
      '`model` by the upstream (priced) model. Costs are numeric sums as decimal strings; ' +
      'unpriced requests add no cost and are counted in `unpricedRequests`. `format=csv` ' +
      'returns one RFC 4180 row per group (no totals row).',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: CostReportDto })
  @ApiBadRequestResponse({ description: 'Invalid from, to, tz, groupBy or format, per field' })
  async costs(
    @Query() query: CostReportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CostReportDto | string> {
    const report = await this.reports.costs(query);
    return query.format === 'csv' ? sendCsv(reply, this.reports.costsCsv(report)) : report;
  }

  @Get('users/:id')
  @ApiOperation({
    summary: "One user's cost by local day and upstream model, and the sessions behind it",
    description:
      'Sessions cover the same rows as the days (requests without a session id form one ' +
      'line with `sessionId: null`). `format=csv` exports `part=days` (default) or `sessions`.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: UserReportDto })
  @ApiBadRequestResponse({ description: 'Invalid id, from, to, tz, format or part' })
  @ApiNotFoundResponse({ description: 'No such user (soft-deleted users are found)' })
  async user(
    @Param('id', uuidParam) id: string,
    @Query() query: UserReportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserReportDto | string> {
    const report = await this.reports.user(id, query);
    return query.format === 'csv'
      ? sendCsv(reply, this.reports.userCsv(report, query.part))
      : report;
  }

  @Get('unpriced')
  @ApiOperation({
    summary: 'Models with usage but no price',
    description:
      'Ledger rows with a null cost that carry usage (every success, and error or aborted ' +
      'rows with tokens), by upstream model: what the price catalog is missing.',
  })
  @ApiOkResponse({ type: UnpricedReportDto })
  @ApiBadRequestResponse({ description: 'Invalid from, to or tz' })
  unpriced(@Query() query: UnpricedQueryDto): Promise<UnpricedReportDto> {
    return this.reports.unpriced(query);
  }
}
