import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Page, pageWindow } from '../common/admin/pagination.dto';
import { ModelPriceRow } from './cost';
import { PriceDto, PriceQueryDto, PriceUpdateDto } from './dto/price.dto';
import { ModelPriceEntity, PriceSource } from './model-price.entity';
import { ModelPricesRepository } from './model-prices.repository';
import { PriceCatalog, toPriceRow } from './price-catalog.service';
import { PriceIndex, PriceTombstone } from './price-index';
import { MODEL_PATTERN } from './price-snapshot';

/**
 * Admin rules of the price catalog. Every change inserts a row (nothing is updated), in the same
 * transaction as its audit entry, then the in-memory catalogs of every replica are reloaded.
 */
@Injectable()
export class PricesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly prices: ModelPricesRepository,
    private readonly catalog: PriceCatalog,
    private readonly audit: AuditService,
  ) {}

  /**
   * Without `history`: the row in force now for each pattern. With `model`: only the patterns that
   * price that name, in precedence order (exact, then longest prefix), so the first item wins.
   */
  async list(query: PriceQueryDto): Promise<Page<PriceDto>> {
    const { skip, take } = pageWindow(query);
    const all = await this.prices.findAll();
    const order = query.model === undefined ? null : precedence(query.model, all);
    let selected: ModelPriceEntity[];
    if (query.history) {
      selected = all.filter((row) => order === null || order.has(row.model));
    } else {
      const { index, byId } = indexOf(all);
      const now = new Date();
      const patterns = order === null ? index.patternsInForce(now) : [...order.keys()];
      selected = patterns.flatMap((pattern) => {
        const row = index.inForceForPattern(pattern, now);
        const entity = row ? byId.get(row.id) : undefined;
        return entity ? [entity] : [];
      });
    }
    selected.sort(
      (a, b) =>
        (order === null
          ? compare(a.model, b.model)
          : (order.get(a.model) ?? 0) - (order.get(b.model) ?? 0)) ||
        a.effectiveFrom.getTime() - b.effectiveFrom.getTime() ||
        compare(BigInt(a.id), BigInt(b.id)),
    );
    return {
      items: selected.slice(skip, skip + take).map(PriceDto.from),
      total: selected.length,
      page: query.page,
      pageSize: take,
    };
  }

  /** A new admin price for a pattern, effective now or at a future time. */
  async put(model: string, dto: PriceUpdateDto, context: AuditContext): Promise<PriceDto> {
    assertModelPattern(model);
    const now = new Date();
    const effectiveFrom = dto.effectiveFrom ?? now;
    if (effectiveFrom.getTime() < now.getTime()) {
      throw fieldError('effectiveFrom', 'effectiveFrom must not be in the past');
    }
    const created = await this.dataSource.transaction(async (manager) => {
      const row = await this.prices.withManager(manager).insert({
        model,
        source: PriceSource.Admin,
        tombstone: false,
        input: dto.input,
        output: dto.output,
        cacheWrite5m: dto.cacheWrite5m ?? null,
        cacheWrite1h: dto.cacheWrite1h ?? null,
        cacheRead: dto.cacheRead ?? null,
        longContextThreshold: dto.longContextThreshold ?? null,
        longInput: dto.longInput ?? null,
        longOutput: dto.longOutput ?? null,
        longCacheWrite5m: dto.longCacheWrite5m ?? null,
        longCacheWrite1h: dto.longCacheWrite1h ?? null,
        longCacheRead: dto.longCacheRead ?? null,
        origin: context.actor.slice(0, 200),
        effectiveFrom,
      });
      await this.audit.record(
        context,
        {
          action: 'price.set',
          targetType: 'model_price',
          targetId: row.id,
          changes: { model, ...dto, effectiveFrom: effectiveFrom.toISOString() },
        },
        manager,
      );
      return row;
    });
    await this.changed();
    return PriceDto.from(created);
  }

  /**
   * Ends the admin override of a pattern now: scheduled (not yet effective) admin rows are deleted
   * — they never priced anything — and a tombstone row is inserted, so the bundled price applies
   * again from now on while the admin rows that priced past requests stay in the history.
   * 404 when the pattern has no admin price in force or scheduled.
   */
  async remove(model: string, context: AuditContext): Promise<void> {
    assertModelPattern(model);
    const now = new Date();
    const removed = await this.dataSource.transaction(async (manager) => {
      const prices = this.prices.withManager(manager);
      const rows = await prices.findForModel(model);
      const admin = rows.filter((row) => row.source === PriceSource.Admin);
      const current = admin.filter((row) => row.effectiveFrom <= now).at(-1);
      const scheduled = admin.filter((row) => row.effectiveFrom > now).length;
      const overriding = current !== undefined && !current.tombstone;
      if (!overriding && scheduled === 0) return false;
      await prices.deleteScheduledAdmin(model, now);
      const tombstone = await prices.insert({
        model,
        source: PriceSource.Admin,
        tombstone: true,
        origin: context.actor.slice(0, 200),
        effectiveFrom: now,
      });
      await this.audit.record(
        context,
        {
          action: 'price.delete',
          targetType: 'model_price',
          targetId: tombstone.id,
          changes: { model, scheduledRemoved: scheduled, endedOverride: overriding },
        },
        manager,
      );
      return true;
    });
    if (!removed) {
      throw new NotFoundException(`No admin price is in force or scheduled for "${model}"`);
    }
    await this.changed();
  }

  /** This replica reloads at once; the others on the announcement (or within 60 s). */
  private async changed(): Promise<void> {
    await this.catalog.reload();
    await this.catalog.announce();
  }
}

function assertModelPattern(model: string): void {
  if (!MODEL_PATTERN.test(model)) {
    throw fieldError(
      'model',
      'model must be an exact model name or a prefix* pattern (no spaces, * only at the end, ≤ 200 chars)',
    );
  }
}

function fieldError(field: string, message: string): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: [message],
    fields: [{ field, messages: [message] }],
  });
}

/** Patterns among the rows that price `model`, mapped to their rank (0 = exact, then by length). */
function precedence(model: string, rows: ModelPriceEntity[]): Map<string, number> {
  const patterns = new Set(rows.map((row) => row.model));
  const ranked: string[] = [];
  if (patterns.has(model)) ranked.push(model);
  const prefixes = [...patterns]
    .filter((pattern) => pattern.endsWith('*') && pattern !== model)
    .filter((pattern) => model.startsWith(pattern.slice(0, -1)))
    .sort((a, b) => b.length - a.length);
  ranked.push(...prefixes);
  return new Map(ranked.map((pattern, rank) => [pattern, rank]));
}

function indexOf(entities: ModelPriceEntity[]): {
  index: PriceIndex;
  byId: Map<string, ModelPriceEntity>;
} {
  const rows: ModelPriceRow[] = [];
  const tombstones: PriceTombstone[] = [];
  const byId = new Map<string, ModelPriceEntity>();
  for (const entity of entities) {
    byId.set(entity.id, entity);
    if (entity.tombstone) {
      tombstones.push({ id: entity.id, model: entity.model, effectiveFrom: entity.effectiveFrom });
      continue;
    }
    const row = toPriceRow(entity);
    if (row) rows.push(row);
  }
  return { index: PriceIndex.build(rows, tombstones), byId };
}

function compare<T extends string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
