/**
 * Narrowing helpers for JSON of unknown shape. Upstream bodies are untrusted, so every read goes
 * through these instead of casts.
 */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a finite, non-negative number: the only values that are meaningful token counts. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * A token count, or 0 when missing or invalid. Metering must never produce NaN (it would poison
 * every sum it enters), so anything that is not a finite non-negative number becomes 0; fractions
 * are floored because providers bill whole tokens.
 */
export function tokenCount(value: unknown): number {
  return isTokenCount(value) ? Math.floor(value) : 0;
}

/** A string field, or null when missing or not a string. */
export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
