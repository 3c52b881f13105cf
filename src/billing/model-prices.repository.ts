import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ModelPriceEntity, PriceSource } from './model-price.entity';

/** The only code that reads and writes `model_prices`. Rows are inserted, never updated. */
@Injectable()
export class ModelPricesRepository {
  constructor(
    @InjectRepository(ModelPriceEntity) private readonly prices: Repository<ModelPriceEntity>,
  ) {}

  /** Same queries, bound to a transaction's manager. */
  withManager(manager: EntityManager): ModelPricesRepository {
    return new ModelPricesRepository(manager.getRepository(ModelPriceEntity));
  }

  /** Every row, for the in-memory catalog (a few hundred rows; no per-request query). */
  findAll(): Promise<ModelPriceEntity[]> {
    return this.prices.find({ order: { effectiveFrom: 'ASC', id: 'ASC' } });
  }

  findForModel(model: string): Promise<ModelPriceEntity[]> {
    return this.prices.find({ where: { model }, order: { effectiveFrom: 'ASC', id: 'ASC' } });
  }

  /** Rows of every pattern, or one pattern, oldest first; for the history listing. */
  findHistoryPage(
    model: string | undefined,
    skip: number,
    take: number,
  ): Promise<[ModelPriceEntity[], number]> {
    return this.prices.findAndCount({
      where: model === undefined ? {} : { model },
      order: { model: 'ASC', effectiveFrom: 'ASC', id: 'ASC' },
      skip,
      take,
    });
  }

  insert(values: Partial<ModelPriceEntity>): Promise<ModelPriceEntity> {
    return this.prices.save(this.prices.create(values));
  }

  /**
   * Inserts bundled rows, skipping any whose (model, effective_from) is already there — also when
   * another process seeds concurrently. Returns how many were written.
   */
  async insertBundled(rows: Partial<ModelPriceEntity>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.prices
      .createQueryBuilder()
      .insert()
      .values(rows.map((row) => ({ ...row, source: PriceSource.Bundled, tombstone: false })))
      .orIgnore()
      .returning(['id'])
      .execute();
    return result.raw instanceof Array ? result.raw.length : 0;
  }

  /** Admin rows of a pattern not yet in force (scheduled); they never priced anything. */
  async deleteScheduledAdmin(model: string, after: Date): Promise<number> {
    const result = await this.prices
      .createQueryBuilder()
      .delete()
      .where('model = :model AND source = :source AND effective_from > :after', {
        model,
        source: PriceSource.Admin,
        after,
      })
      .execute();
    return result.affected ?? 0;
  }
}
