import Decimal from 'decimal.js';

/** One USD in micro-dollars. Redis keeps every amount as an integer count of these. */
export const MICROS_PER_USD = 1_000_000n;

/** Lua numbers are doubles: amounts stay exact below 2^53 micro-dollars (about $9 billion). */
export const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

export type MicroRounding = 'up' | 'down' | 'half-up';

const ROUNDING: Record<MicroRounding, Decimal.Rounding> = {
  up: Decimal.ROUND_UP,
  down: Decimal.ROUND_DOWN,
  'half-up': Decimal.ROUND_HALF_UP,
};

/**
 * A non-negative decimal USD string as integer micro-dollars. Reservations round up, limits down
 * (both the safe side), actual costs half-up. Throws on anything that is not a non-negative
 * finite decimal; amounts above `MAX_MICROS` are clamped to it.
 */
export function usdToMicros(usd: string, rounding: MicroRounding): bigint {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(usd)) {
    throw new Error(`Not a non-negative decimal USD amount: "${usd}"`);
  }
  const micros = BigInt(
    new Decimal(usd.trim()).mul(1_000_000).toDecimalPlaces(0, ROUNDING[rounding]).toFixed(0),
  );
  return micros > MAX_MICROS ? MAX_MICROS : micros;
}

/** Micro-dollars as a plain decimal USD string without trailing zeros ("1.5", "0", "0.000001"). */
export function microsToUsd(micros: bigint): string {
  return new Decimal(micros.toString()).div(1_000_000).toFixed();
}

/** A Redis reply (integer, numeric string or nil) as micro-dollars; anything else counts 0. */
export function replyMicros(value: unknown): bigint {
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return 0n;
}
