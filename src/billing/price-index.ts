import { boundedMemo } from '../common/cache/bounded-memo';
import { ModelPriceRow } from './cost';
import { PriceSource } from './model-price.entity';

/** An admin row that ends the admin override of its pattern from `effectiveFrom` on. */
export interface PriceTombstone {
  id: string;
  model: string;
  effectiveFrom: Date;
}

export interface PriceMatch {
  row: ModelPriceRow;
  /** What a usage record stores as `price_version`: the `model_prices` row id. */
  version: string;
}

interface Timed {
  at: number;
  id: bigint;
  /** Null for a tombstone. */
  row: ModelPriceRow | null;
}

interface PatternRows {
  admin: Timed[];
  bundled: Timed[];
}

/** Per-model candidate patterns are memoised; a gateway sees a bounded set of model names. */
const MAX_MEMO = 10_000;

/**
 * An immutable in-memory index of the price catalog, rebuilt on each reload; every lookup is
 * synchronous and touches no database.
 *
 * Rules:
 * - Pattern choice: the exact model name first, then the longest matching `prefix*`. A pattern
 *   with no row in force at the time asked is skipped in favour of the next one.
 * - Within a pattern, at time t: the latest admin row with effective_from ≤ t wins over every
 *   bundled row (an admin price overrides the bundled ones from its effective_from on, including
 *   bundled changes scheduled later), unless that latest admin row is a tombstone; then, or with
 *   no admin row, the latest bundled row with effective_from ≤ t. Ties go to the later-inserted row.
 */
export class PriceIndex {
  private readonly candidates = boundedMemo((model) => this.findCandidates(model), MAX_MEMO);

  private constructor(
    private readonly byPattern: Map<string, PatternRows>,
    /** Prefixes (without the `*`), longest first. */
    private readonly prefixes: string[],
  ) {}

  static empty(): PriceIndex {
    return PriceIndex.build([], []);
  }

  static build(rows: readonly ModelPriceRow[], tombstones: readonly PriceTombstone[]): PriceIndex {
    const byPattern = new Map<string, PatternRows>();
    const slot = (model: string): PatternRows => {
      let entry = byPattern.get(model);
      if (!entry) {
        entry = { admin: [], bundled: [] };
        byPattern.set(model, entry);
      }
      return entry;
    };
    for (const row of rows) {
      const timed: Timed = { at: row.effectiveFrom.getTime(), id: BigInt(row.id), row };
      (row.source === PriceSource.Admin ? slot(row.model).admin : slot(row.model).bundled).push(
        timed,
      );
    }
    for (const tombstone of tombstones) {
      slot(tombstone.model).admin.push({
        at: tombstone.effectiveFrom.getTime(),
        id: BigInt(tombstone.id),
        row: null,
      });
    }
    const byTime = (a: Timed, b: Timed): number =>
      a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const entry of byPattern.values()) {
      entry.admin.sort(byTime);
      entry.bundled.sort(byTime);
    }
    const prefixes = [...byPattern.keys()]
      .filter((pattern) => pattern.endsWith('*'))
      .map((pattern) => pattern.slice(0, -1))
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    return new PriceIndex(byPattern, prefixes);
  }

  /** Number of patterns known. */
  get size(): number {
    return this.byPattern.size;
  }

  /** The price in force for a concrete model name at a time, or null when it has none. */
  priceFor(model: string, at: Date = new Date()): PriceMatch | null {
    const time = at.getTime();
    for (const pattern of this.candidates(model)) {
      const row = this.inForce(pattern, time);
      if (row) return { row, version: row.id };
    }
    return null;
  }

  /** The row in force for one pattern (exact name or `prefix*`) at a time, without matching. */
  inForceForPattern(pattern: string, at: Date = new Date()): ModelPriceRow | null {
    return this.inForce(pattern, at.getTime());
  }

  /** Patterns that have a row in force at the time, sorted. */
  patternsInForce(at: Date = new Date()): string[] {
    const time = at.getTime();
    return [...this.byPattern.keys()].filter((pattern) => this.inForce(pattern, time)).sort();
  }

  private inForce(pattern: string, time: number): ModelPriceRow | null {
    const entry = this.byPattern.get(pattern);
    if (!entry) return null;
    const admin = latestAtOrBefore(entry.admin, time);
    if (admin?.row) return admin.row;
    return latestAtOrBefore(entry.bundled, time)?.row ?? null;
  }

  private findCandidates(model: string): string[] {
    const found: string[] = [];
    if (this.byPattern.has(model)) found.push(model);
    for (const prefix of this.prefixes) {
      if (model.startsWith(prefix)) found.push(`${prefix}*`);
    }
    return found;
  }
}

function latestAtOrBefore(rows: readonly Timed[], time: number): Timed | undefined {
  for (let index = rows.length - 1; index >= 0; index -= 1) {
    if (rows[index].at <= time) return rows[index];
  }
  return undefined;
}
