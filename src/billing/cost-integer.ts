import type DecimalJs from 'decimal.js';
import { IrUsage } from '../protocols/ir/ir-usage';

/**
 * The integer path of `computeCost`. Every request is priced twice (its worst case when admitted,
 * its cost when done); with decimal.js that was a dozen decimal objects each time. Prices per
 * million tokens are held as integers of 10⁻¹² USD and multipliers as integers of 10⁻¹⁰, so the
 * sum of products is exact in BigInt and only the final division rounds, half-up, to the ledger's
 * 10 decimal places: the same result as the decimal path, which remains for values with more
 * decimals than these scales hold.
 */
export interface ScaledPrices {
  input: bigint;
  output: bigint;
  cacheWrite5m: bigint;
  cacheWrite1h: bigint;
  cacheRead: bigint;
}

const PRICE_DECIMALS = 12;
const MULTIPLIER_DECIMALS = 10;
const COST_DECIMALS = 10;
/** 10⁶ tokens per priced million × 10¹² (price scale) × 10¹⁰ (multiplier scale) ÷ 10¹⁰ (cost). */
const DIVISOR = 10n ** BigInt(6 + PRICE_DECIMALS + MULTIPLIER_DECIMALS - COST_DECIMALS);
const HALF_DIVISOR = DIVISOR / 2n;
const COST_UNIT = 10n ** BigInt(COST_DECIMALS);

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal with at most `decimals` fraction digits as an integer, else null. */
function scaled(value: string, decimals: number): bigint | null {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return null;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) return null;
  return BigInt(match[1] + fraction.padEnd(decimals, '0'));
}

type PriceKind = keyof ScaledPrices;
const KINDS: PriceKind[] = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'];

/** The prices at 10⁻¹² USD per million tokens, or null if one needs more decimals. */
export function scalePrices(prices: Record<PriceKind, DecimalJs>): ScaledPrices | null {
  const result: Partial<ScaledPrices> = {};
  for (const kind of KINDS) {
    const value = scaled(prices[kind].toFixed(), PRICE_DECIMALS);
    if (value === null) return null;
    result[kind] = value;
  }
  return result as ScaledPrices;
}

const multipliers = new Map<string, bigint | null>();

/** A cost multiplier at 10⁻¹⁰, or null if it is not a plain decimal with at most 10 decimals. */
export function scaleMultiplier(multiplier: string): bigint | null {
  let value = multipliers.get(multiplier);
  if (value === undefined) {
    value = scaled(multiplier, MULTIPLIER_DECIMALS);
    // Multipliers are a handful of provider settings; the cap only bounds odd input.
    if (multipliers.size < 1_000) multipliers.set(multiplier, value);
  }
  return value;
}

/** Σ tokens × price, × multiplier, rounded half-up to 10 decimals, as a plain decimal string. */
export function integerCost(usage: IrUsage, prices: ScaledPrices, multiplier: bigint): string {
  const sum =
    BigInt(usage.inputTokens) * prices.input +
    BigInt(usage.outputTokens) * prices.output +
    BigInt(usage.cacheWrite5mTokens) * prices.cacheWrite5m +
    BigInt(usage.cacheWrite1hTokens) * prices.cacheWrite1h +
    BigInt(usage.cacheReadTokens) * prices.cacheRead;
  const units = (sum * multiplier + HALF_DIVISOR) / DIVISOR;
  const whole = units / COST_UNIT;
  const fraction = (units % COST_UNIT).toString().padStart(COST_DECIMALS, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}
