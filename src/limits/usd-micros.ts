/** One USD in micro-dollars. Redis keeps every amount as an integer count of these. */
export const MICROS_PER_USD = 1_000_000n;

/** Lua numbers are doubles: amounts stay exact below 2^53 micro-dollars (about $9 billion). */
export const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

export type MicroRounding = 'up' | 'down' | 'half-up';

const USD_AMOUNT = /^\s*(\d+)(?:\.(\d+))?\s*$/;
const MICRO_DIGITS = 6;

/**
 * A non-negative decimal USD string as integer micro-dollars. Reservations round up, limits down
 * (both the safe side), actual costs half-up. Throws on anything that is not a non-negative
 * finite decimal; amounts above `MAX_MICROS` are clamped to it. Exact: the digits are split at
 * the sixth decimal and rounded on the rest, with integer arithmetic only (this runs twice per
 * request, where a decimal library's parsing showed in profiles).
 */
export function usdToMicros(usd: string, rounding: MicroRounding): bigint {
  const match = USD_AMOUNT.exec(usd);
  if (!match) throw new Error(`Not a non-negative decimal USD amount: "${usd}"`);
  const fraction = match[2] ?? '';
  const kept = fraction.slice(0, MICRO_DIGITS).padEnd(MICRO_DIGITS, '0');
  const rest = fraction.slice(MICRO_DIGITS);
  let micros = BigInt(match[1] + kept);
  if (
    (rounding === 'up' && /[1-9]/.test(rest)) ||
    (rounding === 'half-up' && rest.length > 0 && rest.charCodeAt(0) >= 0x35) // '5'
  ) {
    micros += 1n;
  }
  return micros > MAX_MICROS ? MAX_MICROS : micros;
}

/** Micro-dollars as a plain decimal USD string without trailing zeros ("1.5", "0", "0.000001"). */
export function microsToUsd(micros: bigint): string {
  const negative = micros < 0n;
  const digits = (negative ? -micros : micros).toString().padStart(MICRO_DIGITS + 1, '0');
  const whole = digits.slice(0, -MICRO_DIGITS);
  const fraction = digits.slice(-MICRO_DIGITS).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A Redis reply (integer, numeric string or nil) as micro-dollars; anything else counts 0. */
export function replyMicros(value: unknown): bigint {
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return 0n;
}
