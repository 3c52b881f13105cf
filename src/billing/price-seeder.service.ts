import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Decimal from 'decimal.js';
import { AppConfig } from '../config/app-config';
import { ModelPriceRow, PriceTerms } from './cost';
import { ModelPriceEntity, PriceSource } from './model-price.entity';
import { ModelPricesRepository } from './model-prices.repository';
import { PriceCatalog, toPriceRow } from './price-catalog.service';
import { PriceIndex } from './price-index';
import { loadSnapshot, PriceSnapshot, SnapshotPrice } from './price-snapshot';

export interface SeedResult {
  /** Snapshot periods that were new. */
  inserted: number;
  /** Corrections: the snapshot's current price differed from the bundled one in force. */
  corrected: number;
}

const TERM_KEYS: (keyof PriceTerms)[] = [
  'input',
  'output',
  'cacheWrite5m',
  'cacheWrite1h',
  'cacheRead',
  'longContextThreshold',
  'longInput',
  'longOutput',
  'longCacheWrite5m',
  'longCacheWrite1h',
  'longCacheRead',
];

/**
 * Loads the bundled default prices (`config/model-prices.snapshot.json`) into `model_prices` when
 * an admin or worker process starts. Idempotent and append-only:
 *
 * 1. every snapshot period whose (model, effective_from) has no bundled row yet is inserted
 *    (`ON CONFLICT DO NOTHING`, so processes starting together are safe);
 * 2. when a newer snapshot changes a price without a new start date, the bundled row in force now
 *    differs from the snapshot's current period: a bundled row with the new prices is inserted,
 *    effective from the later of the period's start and the snapshot's date. The old row stays, so
 *    past usage records keep a resolvable `price_version`.
 *
 * Bundled rows are never updated or deleted; models dropped from a snapshot keep their last price.
 * A seeding failure is logged and never stops the process (a missing price means a null cost).
 */
@Injectable()
export class PriceSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(PriceSeeder.name);

  constructor(
    private readonly config: AppConfig,
    private readonly prices: ModelPricesRepository,
    private readonly catalog: PriceCatalog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.hasRole('admin') && !this.config.hasRole('worker')) return;
    try {
      const result = await this.seed(loadSnapshot());
      if (result.inserted > 0 || result.corrected > 0) {
        this.logger.log(
          `price catalog seeded: ${result.inserted} new bundled prices, ${result.corrected} corrections`,
        );
      }
    } catch (error: unknown) {
      this.logger.error(`price catalog seeding failed: ${String(error)}`);
    }
  }

  async seed(snapshot: PriceSnapshot, now: Date = new Date()): Promise<SeedResult> {
    const origin = (price: SnapshotPrice): string =>
      `${snapshot.source}${price.sourceModel ? ` ${price.sourceModel}` : ''}`.slice(0, 200);
    const existing = await this.bundledIndex();
    const missing = snapshot.prices.filter(
      (price) => !existing.keys.has(key(price.model, price.effectiveFrom)),
    );
    const inserted = await this.prices.insertBundled(
      missing.map((price) => toEntityValues(price, origin(price), price.effectiveFrom)),
    );

    const afterInsert = inserted > 0 ? await this.bundledIndex() : existing;
    const corrections: Partial<ModelPriceEntity>[] = [];
    for (const [model, periods] of groupByModel(snapshot.prices)) {
      const current = latestAtOrBefore(periods, now);
      const stored = afterInsert.index.inForceForPattern(model, now);
      if (!current || !stored || sameTerms(current, stored)) continue;
      const from = new Date(Math.max(current.effectiveFrom.getTime(), snapshot.date.getTime()));
      corrections.push(toEntityValues(current, origin(current), from));
    }
    const corrected = await this.prices.insertBundled(corrections);

    if (inserted > 0 || corrected > 0) {
      await this.catalog.reload();
      await this.catalog.announce();
    }
    return { inserted, corrected };
  }

  private async bundledIndex(): Promise<{ index: PriceIndex; keys: Set<string> }> {
    const rows: ModelPriceRow[] = [];
    const keys = new Set<string>();
    for (const entity of await this.prices.findAll()) {
      if (entity.source !== PriceSource.Bundled) continue;
      keys.add(key(entity.model, entity.effectiveFrom));
      const row = toPriceRow(entity);
      if (row) rows.push(row);
    }
    return { index: PriceIndex.build(rows, []), keys };
  }
}

function key(model: string, effectiveFrom: Date): string {
  return `${model}\u0000${effectiveFrom.toISOString()}`;
}

function toEntityValues(
  price: SnapshotPrice,
  origin: string,
  effectiveFrom: Date,
): Partial<ModelPriceEntity> {
  return {
    model: price.model,
    input: price.input,
    output: price.output,
    cacheWrite5m: price.cacheWrite5m,
    cacheWrite1h: price.cacheWrite1h,
    cacheRead: price.cacheRead,
    longContextThreshold: price.longContextThreshold,
    longInput: price.longInput,
    longOutput: price.longOutput,
    longCacheWrite5m: price.longCacheWrite5m,
    longCacheWrite1h: price.longCacheWrite1h,
    longCacheRead: price.longCacheRead,
    origin,
    effectiveFrom,
  };
}

function groupByModel(prices: SnapshotPrice[]): Map<string, SnapshotPrice[]> {
  const groups = new Map<string, SnapshotPrice[]>();
  for (const price of prices) {
    const group = groups.get(price.model) ?? [];
    group.push(price);
    groups.set(price.model, group);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  }
  return groups;
}

function latestAtOrBefore(periods: SnapshotPrice[], now: Date): SnapshotPrice | undefined {
  return periods.filter((period) => period.effectiveFrom <= now).at(-1);
}

/** Numeric equality per term: the database returns `3.0000000000` for the snapshot's `3`. */
export function sameTerms(a: PriceTerms, b: PriceTerms): boolean {
  return TERM_KEYS.every((name) => {
    const left = a[name];
    const right = b[name];
    if (left === null || right === null) return left === right;
    return new Decimal(left).eq(new Decimal(right));
  });
}
