import DecimalJs from 'decimal.js';
import { IrUsage } from '../protocols/ir/ir-usage';
import { PriceSource } from './model-price.entity';
import { integerCost, scaleMultiplier, ScaledPrices, scalePrices } from './cost-integer';

/**
 * Enough significant digits that no intermediate result is ever rounded (token counts up to 10¹⁵
 * times prices with 10 decimals): the only rounding is the final one to 10 decimal places.
 */
const Decimal = DecimalJs.clone({ precision: 64, rounding: DecimalJs.ROUND_HALF_UP });
type Decimal = DecimalJs;

/**
 * Prices of one model, USD per million tokens as exact decimal strings. A null cache price falls
 * back to a fixed ratio of the input price (see CACHE_FALLBACK).
 */
export interface PriceTerms {
  input: string;
  output: string;
  cacheWrite5m: string | null;
  cacheWrite1h: string | null;
  cacheRead: string | null;
  /** Total input tokens (uncached + cache read + cache writes) above which the long tier applies. */
  longContextThreshold: number | null;
  longInput: string | null;
  longOutput: string | null;
  longCacheWrite5m: string | null;
  longCacheWrite1h: string | null;
  longCacheRead: string | null;
}

/** A price row as the catalog holds it in memory: plain data, no ORM entity. */
export interface ModelPriceRow extends PriceTerms {
  id: string;
  model: string;
  source: PriceSource;
  effectiveFrom: Date;
}

/** The resolved per-kind prices one request is charged at. */
export interface AppliedPrices {
  longContext: boolean;
  input: Decimal;
  output: Decimal;
  cacheWrite5m: Decimal;
  cacheWrite1h: Decimal;
  cacheRead: Decimal;
}

/**
 * Anthropic's published cache multipliers, used when a row leaves a cache price out: a 5-minute
 * cache write costs 1.25× input, a 1-hour write 2× input, a cache read 0.1× input.
 */
export const CACHE_FALLBACK = {
  cacheWrite5m: new Decimal('1.25'),
  cacheWrite1h: new Decimal('2'),
  cacheRead: new Decimal('0.1'),
} as const;

const MILLION = new Decimal(1_000_000);
/** Costs are stored as numeric(20,10). */
export const COST_DECIMAL_PLACES = 10;

/** All input tokens of the request, cached or not: what the long-context threshold is compared to. */
export function totalInputTokens(usage: IrUsage): number {
  return (
    usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens
  );
}

/**
 * The prices a request is charged at. The long-context tier applies to the whole request (every
 * token kind, output included) when its total input exceeds the threshold — Anthropic's rule, also
 * Google's and OpenAI's. In the tier, a `long*` price left null falls back to that kind's base
 * price. A cache price still null after that is derived from the (tier's) input price.
 */
export function appliedPrices(usage: IrUsage, price: PriceTerms): AppliedPrices {
  const longContext =
    price.longContextThreshold !== null && totalInputTokens(usage) > price.longContextThreshold;
  // Every request is priced twice (its worst case at admission, then its cost): the decimal
  // prices of a catalog row are parsed once per tier, not per request.
  let tiers = parsedTiers.get(price);
  if (!tiers) {
    tiers = {};
    parsedTiers.set(price, tiers);
  }
  const tier = longContext ? 'long' : 'base';
  return (tiers[tier] ??= parseTier(price, longContext));
}

/** Parsed prices per catalog row (rows are replaced, never mutated, when the catalog reloads). */
const parsedTiers = new WeakMap<PriceTerms, { base?: AppliedPrices; long?: AppliedPrices }>();

function parseTier(price: PriceTerms, longContext: boolean): AppliedPrices {
  const pick = (long: string | null, base: string | null): string | null =>
    longContext ? (long ?? base) : base;
  const input = new Decimal(pick(price.longInput, price.input) ?? price.input);
  const derived = (value: string | null, ratio: Decimal): Decimal =>
    value === null ? input.mul(ratio) : new Decimal(value);
  return {
    longContext,
    input,
    output: new Decimal(pick(price.longOutput, price.output) ?? price.output),
    cacheWrite5m: derived(
      pick(price.longCacheWrite5m, price.cacheWrite5m),
      CACHE_FALLBACK.cacheWrite5m,
    ),
    cacheWrite1h: derived(
      pick(price.longCacheWrite1h, price.cacheWrite1h),
      CACHE_FALLBACK.cacheWrite1h,
    ),
    cacheRead: derived(pick(price.longCacheRead, price.cacheRead), CACHE_FALLBACK.cacheRead),
  };
}

/**
 * Exact USD cost of one request: Σ tokens of each kind × its price per million ÷ 10⁶ × the
 * provider's multiplier, rounded half-up to 10 decimal places (the ledger's numeric(20,10)).
 * Integer arithmetic when the prices and multiplier fit its scales (see cost-integer), else
 * decimal arithmetic: no binary floating point anywhere.
 */
export function computeCost(usage: IrUsage, price: PriceTerms, multiplier: string): string {
  const applied = appliedPrices(usage, price);
  const prices = scaledPrices(applied);
  const scaledMultiplier = scaleMultiplier(multiplier);
  return prices && scaledMultiplier !== null
    ? integerCost(usage, prices, scaledMultiplier)
    : decimalCost(usage, applied, multiplier);
}

/** The integer prices of a (cached) tier, computed once; null when they need the decimal path. */
function scaledPrices(applied: AppliedPrices): ScaledPrices | null {
  let prices = scaledTiers.get(applied);
  if (prices === undefined) {
    prices = scalePrices(applied);
    scaledTiers.set(applied, prices);
  }
  return prices;
}

const scaledTiers = new WeakMap<AppliedPrices, ScaledPrices | null>();

/** `computeCost` in decimal arithmetic, for any precision (and the reference it is tested by). */
export function decimalCost(usage: IrUsage, applied: AppliedPrices, multiplier: string): string {
  const terms: [number, Decimal][] = [
    [usage.inputTokens, applied.input],
    [usage.outputTokens, applied.output],
    [usage.cacheWrite5mTokens, applied.cacheWrite5m],
    [usage.cacheWrite1hTokens, applied.cacheWrite1h],
    [usage.cacheReadTokens, applied.cacheRead],
  ];
  let perMillion = new Decimal(0);
  for (const [tokens, perToken] of terms) {
    if (tokens !== 0) perMillion = perMillion.add(new Decimal(tokens).mul(perToken));
  }
  return perMillion
    .div(MILLION)
    .mul(new Decimal(multiplier))
    .toDecimalPlaces(COST_DECIMAL_PLACES, DecimalJs.ROUND_HALF_UP)
    .toFixed();
}
