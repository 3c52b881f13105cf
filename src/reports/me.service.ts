import { Injectable, UnauthorizedException } from '@nestjs/common';
import Decimal from 'decimal.js';
import { UsagePageDto, UsageRecordDto } from '../billing/dto/usage.dto';
import { UsageRecordsRepository } from '../billing/usage-records.repository';
import { pageWindow } from '../common/admin/pagination.dto';
import { Limits } from '../common/limits/limits';
import { ApiKeysRepository } from '../keys/api-keys.repository';
import { ApiKeyResponseDto } from '../keys/dto/api-key.dto';
import { UsersRepository } from '../users/users.repository';
import { UserPrincipal } from './current-principal';
import { BudgetStatusDto, BudgetWindow, LimitStatusDto, MeDto } from './dto/me.dto';
import { MeQueryDto, MeUsageQueryDto } from './dto/report-query.dto';
import { ReportRangeService } from './report-range.service';
import { ReportsRepository, SpentRow } from './reports.repository';

const LIMIT_FIELD: Record<BudgetWindow, keyof Limits> = {
  '5h': 'usd5h',
  daily: 'usdDaily',
  weekly: 'usdWeekly',
  monthly: 'usdMonthly',
  total: 'usdTotal',
};

/** Window bounds of each budget in a spend row (rolling and total have no reset). */
function bounds(row: SpentRow, window: BudgetWindow): [Date | null, Date | null] {
  switch (window) {
    case '5h':
      return [row.h5_start, null];
    case 'daily':
      return [row.day_start, row.day_end];
    case 'weekly':
      return [row.week_start, row.week_end];
    case 'monthly':
      return [row.month_start, row.month_end];
    case 'total':
      return [null, null];
  }
}

function spentOf(row: SpentRow, who: 'user' | 'key', window: BudgetWindow): string {
  const column = `${who}_${window}` as const;
  return row[column];
}

function limitStatus(limits: Limits, row: SpentRow, who: 'user' | 'key'): LimitStatusDto {
  const windows: BudgetWindow[] = ['5h', 'daily', 'weekly', 'monthly', 'total'];
  return {
    rpm: limits.rpm ?? null,
    concurrentSessions: limits.concurrentSessions ?? null,
    budgets: windows.map((window): BudgetStatusDto => {
      const spent = spentOf(row, who, window);
      const limit = limits[LIMIT_FIELD[window]];
      const [start, end] = bounds(row, window);
      return {
        window,
        limitUsd: typeof limit === 'string' ? limit : null,
        spentUsd: spent,
        remainingUsd:
          typeof limit === 'string'
            ? Decimal.max(new Decimal(limit).minus(spent), 0).toFixed(10)
            : null,
        windowStart: start?.toISOString() ?? null,
        resetsAt: end?.toISOString() ?? null,
      };
    }),
  };
}

/** Self-service: what the caller's own key and user may do and have spent. */
@Injectable()
export class MeService {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
    private readonly ledger: UsageRecordsRepository,
    private readonly reports: ReportsRepository,
    private readonly ranges: ReportRangeService,
  ) {}

  async me(principal: UserPrincipal, query: MeQueryDto): Promise<MeDto> {
    const tz = await this.ranges.zone(query.tz);
    const [user, key] = await Promise.all([
      this.users.findById(principal.userId),
      this.keys.findById(principal.keyId),
    ]);
    if (!user || !key || key.userId !== user.id) {
      throw new UnauthorizedException('The key or its user no longer exists');
    }
    const spent = await this.reports.spent(user.id, key.id, tz);
    return {
      user: {
        id: user.id,
        name: user.name,
        role: user.role,
        providerGroup: user.providerGroup,
        allowedModels: user.allowedModels,
        expiresAt: user.expiresAt?.toISOString() ?? null,
      },
      key: {
        id: key.id,
        name: key.name,
        keyPrefix: key.keyPrefix,
        providerGroup: key.providerGroup,
        expiresAt: key.expiresAt?.toISOString() ?? null,
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      },
      providerGroup: key.providerGroup ?? user.providerGroup ?? 'default',
      tz,
      asOf: spent.now_at.toISOString(),
      limits: {
        user: limitStatus(user.limits, spent, 'user'),
        key: limitStatus(key.limits, spent, 'key'),
      },
    };
  }

  /** The caller's own ledger rows (any of their keys), newest first; never anyone else's. */
  async usage(principal: UserPrincipal, query: MeUsageQueryDto): Promise<UsagePageDto> {
    const range = await this.ranges.resolve(query);
    const { skip, take } = pageWindow(query);
    const [records, total] = await this.ledger.findPage(
      { userId: principal.userId, from: range.from ?? undefined, to: range.to ?? undefined },
      skip,
      take,
    );
    return { items: records.map(UsageRecordDto.from), total, page: query.page, pageSize: take };
  }

  /** Every key of the caller's user, revoked ones included, never a secret. */
  async ownKeys(principal: UserPrincipal): Promise<ApiKeyResponseDto[]> {
    return (await this.keys.listByUser(principal.userId)).map(ApiKeyResponseDto.from);
  }
}
