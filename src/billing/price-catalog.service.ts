import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { closeRedis } from '../common/redis/close-redis';
import { withTimeout } from '../common/async/with-timeout';
import { subscribe } from '../common/redis/subscribe';
import { reportDegradation, reportRecovery } from '../metrics/degradation';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { IrUsage } from '../protocols/ir/ir-usage';
import { computeCost, ModelPriceRow } from './cost';
import { ModelPriceEntity, PriceSource } from './model-price.entity';
import { ModelPricesRepository } from './model-prices.repository';
import { PriceIndex, PriceMatch, PriceTombstone } from './price-index';

/** Announced after every admin price change (and a seeding that wrote rows); replicas reload. */
export const PRICES_CHANGED_CHANNEL = 'cch:prices:changed';

/** Without announcements (Redis down) a replica still reloads this often. */
const RELOAD_INTERVAL_MS = 60_000;
const RELOAD_TIMEOUT_MS = 30_000;

export interface PricedCost {
  /** Exact USD, 10 decimal places. */
  costUsd: string;
  /** The `model_prices` row id the cost was computed with. */
  priceVersion: string;
}

/**
 * The price catalog as the hot path uses it: every `model_prices` row held in memory, reloaded
 * every 60 s and whenever a change is announced on `cch:prices:changed`. `priceFor` and `cost` are
 * synchronous and never query the database. If a reload fails, the last good index is kept.
 */
@Injectable()
export class PriceCatalog implements OnModuleInit, OnModuleDestroy {
  private index = PriceIndex.empty();
  private loadedAt: Date | null = null;
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private subscriber: Redis | null = null;

  constructor(
    private readonly prices: ModelPricesRepository,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = subscribe(
      this.redis,
      PRICES_CHANGED_CHANNEL,
      () => void this.reload(),
      () => {
        if (this.loadedAt) void this.reload();
      },
    );
    await this.reload();
    this.timer = setInterval(() => void this.reload(), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reloading;
    await closeRedis(this.subscriber);
  }

  /** When the index was last loaded successfully (null: never). */
  get lastLoadedAt(): Date | null {
    return this.loadedAt;
  }

  /** The price in force for a model at a time: exact name first, then the longest `prefix*`. */
  priceFor(model: string, at: Date = new Date()): PriceMatch | null {
    return this.index.priceFor(model, at);
  }

  /**
   * The exact cost of a request, or null when the model has no price in force (the ledger then
   * records a null cost: "unpriced").
   */
  cost(
    model: string,
    usage: IrUsage,
    multiplier: string,
    at: Date = new Date(),
  ): PricedCost | null {
    const match = this.index.priceFor(model, at);
    if (!match) return null;
    return { costUsd: computeCost(usage, match.row, multiplier), priceVersion: match.version };
  }

  /** The current index, for the admin listing. */
  snapshot(): PriceIndex {
    return this.index;
  }

  /** Announces a change to every replica (this one included); best effort. */
  async announce(): Promise<void> {
    await this.redis.publish(PRICES_CHANGED_CHANNEL, '1').catch(() => undefined);
  }

  /**
   * Reloads every row. Concurrent calls share one reload; a call arriving during a reload causes
   * one more afterwards, so a change announced mid-reload is never missed.
   */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.load().finally(() => {
      this.reloading = null;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async load(): Promise<void> {
    try {
      // A database that hangs must not hold `reloading` (and with it every later reload) forever.
      const entities = await withTimeout(this.prices.findAll(), RELOAD_TIMEOUT_MS);
      const rows: ModelPriceRow[] = [];
      const tombstones: PriceTombstone[] = [];
      for (const entity of entities) {
        if (entity.tombstone) {
          tombstones.push({
            id: entity.id,
            model: entity.model,
            effectiveFrom: entity.effectiveFrom,
          });
        } else {
          const row = toPriceRow(entity);
          if (row) rows.push(row);
        }
      }
      this.index = PriceIndex.build(rows, tombstones);
      this.loadedAt = new Date();
      reportRecovery('price_catalog', 'postgres');
    } catch (error: unknown) {
      reportDegradation(
        'price_catalog',
        'fallback',
        'postgres',
        'costs are priced with the last loaded catalog',
        error,
      );
    }
  }
}

/** The plain row of a (non-tombstone) entity; null if it lacks its base prices. */
export function toPriceRow(entity: ModelPriceEntity): ModelPriceRow | null {
  if (entity.input === null || entity.output === null) return null;
  return {
    id: entity.id,
    model: entity.model,
    source: entity.source === PriceSource.Admin ? PriceSource.Admin : PriceSource.Bundled,
    effectiveFrom: entity.effectiveFrom,
    input: entity.input,
    output: entity.output,
    cacheWrite5m: entity.cacheWrite5m,
    cacheWrite1h: entity.cacheWrite1h,
    cacheRead: entity.cacheRead,
    longContextThreshold: entity.longContextThreshold,
    longInput: entity.longInput,
    longOutput: entity.longOutput,
    longCacheWrite5m: entity.longCacheWrite5m,
    longCacheWrite1h: entity.longCacheWrite1h,
    longCacheRead: entity.longCacheRead,
  };
}
