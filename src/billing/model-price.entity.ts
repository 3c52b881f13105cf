import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum PriceSource {
  /** Loaded from `config/model-prices.snapshot.json` by the PriceSeeder. */
  Bundled = 'bundled',
  /** Set through `PUT /api/prices/:model` (or ended by `DELETE`, as a tombstone). */
  Admin = 'admin',
}

const NUMERIC = { type: 'numeric', precision: 20, scale: 10 } as const;

/**
 * The price catalog: append-only. A price change inserts a new row effective from a point in time;
 * rows are never updated, so the history of what each model cost is kept and every usage record's
 * `price_version` (a row id) stays resolvable. Prices are USD per million tokens, exact decimals
 * (the pg driver returns numerics as strings).
 *
 * Which row is in force for a pattern at time t: the latest admin row with effective_from ≤ t,
 * unless it is a tombstone; otherwise the latest bundled row with effective_from ≤ t.
 */
@Entity({ name: 'model_prices' })
@Index('idx_model_prices_model_effective', ['model', 'effectiveFrom'])
@Index('uq_model_prices_bundled', ['model', 'effectiveFrom'], {
  unique: true,
  where: `"source" = 'bundled'`,
})
@Check('chk_model_prices_source', `"source" IN ('bundled', 'admin')`)
@Check(
  'chk_model_prices_terms',
  `("tombstone" AND "source" = 'admin') OR (NOT "tombstone" AND "input" IS NOT NULL AND "output" IS NOT NULL)`,
)
export class ModelPriceEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  /** An exact model name, or a `prefix*` pattern (exact names win, then the longest prefix). */
  @Column({ name: 'model', type: 'varchar', length: 200 })
  model!: string;

  @Column({ name: 'source', type: 'varchar', length: 16 })
  source!: PriceSource;

  /** An admin row that ends the admin override: the bundled price applies again from here. */
  @Column({ name: 'tombstone', type: 'boolean', default: false })
  tombstone!: boolean;

  /** Uncached input; null only on tombstones. */
  @Column({ name: 'input', ...NUMERIC, nullable: true })
  input!: string | null;

  /** All output, reasoning included; null only on tombstones. */
  @Column({ name: 'output', ...NUMERIC, nullable: true })
  output!: string | null;

  /** Null: 1.25 × input. */
  @Column({ name: 'cache_write_5m', ...NUMERIC, nullable: true })
  cacheWrite5m!: string | null;

  /** Null: 2 × input. */
  @Column({ name: 'cache_write_1h', ...NUMERIC, nullable: true })
  cacheWrite1h!: string | null;

  /** Null: 0.1 × input. */
  @Column({ name: 'cache_read', ...NUMERIC, nullable: true })
  cacheRead!: string | null;

  /**
   * Long-context tier: when input + cache read + cache writes of one request exceed this many
   * tokens, the whole request is priced with the `long_*` prices (each null one: its base price).
   */
  @Column({ name: 'long_context_threshold', type: 'integer', nullable: true })
  longContextThreshold!: number | null;

  @Column({ name: 'long_input', ...NUMERIC, nullable: true })
  longInput!: string | null;

  @Column({ name: 'long_output', ...NUMERIC, nullable: true })
  longOutput!: string | null;

  @Column({ name: 'long_cache_write_5m', ...NUMERIC, nullable: true })
  longCacheWrite5m!: string | null;

  @Column({ name: 'long_cache_write_1h', ...NUMERIC, nullable: true })
  longCacheWrite1h!: string | null;

  @Column({ name: 'long_cache_read', ...NUMERIC, nullable: true })
  longCacheRead!: string | null;

  /** Provenance: the snapshot source and model (bundled) or the admin actor. */
  @Column({ name: 'origin', type: 'varchar', length: 200, nullable: true })
  origin!: string | null;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
