import Decimal from 'decimal.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IrUsage } from '../protocols/ir/ir-usage';

/** USD per million tokens of each kind, as exact decimal strings. */
export interface TokenPrices {
  input: string;
  output: string;
  cacheWrite5m: string;
  cacheWrite1h: string;
  cacheRead: string;
}

interface PriceFile {
  version: string;
  models: Record<string, TokenPrices>;
}

const MILLION = new Decimal(1_000_000);

/**
 * A per-model price lookup read once from `config/model-prices.json`. Exact patterns win, then
 * the longest matching `prefix*`. The full price catalog (with history and admin overrides)
 * replaces this table later; costs are frozen on each usage record, so nothing is rewritten.
 */
export class InterimPriceTable {
  private constructor(
    readonly version: string,
    private readonly exact: Map<string, TokenPrices>,
    private readonly prefixes: [string, TokenPrices][],
  ) {}

  static fromFile(path = join(process.cwd(), 'config', 'model-prices.json')): InterimPriceTable {
    return InterimPriceTable.fromJson(JSON.parse(readFileSync(path, 'utf8')) as PriceFile);
  }

  static fromJson(file: PriceFile): InterimPriceTable {
    const exact = new Map<string, TokenPrices>();
    const prefixes: [string, TokenPrices][] = [];
    for (const [pattern, prices] of Object.entries(file.models)) {
      if (pattern.endsWith('*')) prefixes.push([pattern.slice(0, -1), prices]);
      else exact.set(pattern, prices);
    }
    prefixes.sort((a, b) => b[0].length - a[0].length);
    return new InterimPriceTable(file.version, exact, prefixes);
  }

  pricesFor(model: string): TokenPrices | null {
    return (
      this.exact.get(model) ??
      this.prefixes.find(([prefix]) => model.startsWith(prefix))?.[1] ??
      null
    );
  }

  /** Exact USD cost as a decimal string, or null when the model has no price. */
  cost(model: string, usage: IrUsage, multiplier: string): string | null {
    const prices = this.pricesFor(model);
    if (!prices) return null;
    const perMillion = new Decimal(usage.inputTokens)
      .mul(prices.input)
      .add(new Decimal(usage.outputTokens).mul(prices.output))
      .add(new Decimal(usage.cacheWrite5mTokens).mul(prices.cacheWrite5m))
      .add(new Decimal(usage.cacheWrite1hTokens).mul(prices.cacheWrite1h))
      .add(new Decimal(usage.cacheReadTokens).mul(prices.cacheRead));
    return perMillion.div(MILLION).mul(multiplier).toDecimalPlaces(10).toFixed();
  }
}
