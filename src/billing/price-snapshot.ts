import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PriceTerms } from './cost';

/** A price per million tokens: up to 10 integer and 10 fractional digits (numeric(20,10)). */
export const PRICE_DECIMAL = /^\d{1,10}(\.\d{1,10})?$/;

/** An exact model name or a `prefix*` pattern: no whitespace, `*` only at the end, ≤ 200 chars. */
export const MODEL_PATTERN = /^(?=.{1,200}$)[^\s*]+\*?$/;

export const DEFAULT_SNAPSHOT_PATH = join(process.cwd(), 'config', 'model-prices.snapshot.json');

export interface SnapshotPrice extends PriceTerms {
  model: string;
  effectiveFrom: Date;
  /** Provider/model id in the source, for provenance. */
  sourceModel: string | null;
}

export interface PriceSnapshot {
  /** The maintained source, e.g. `@pydantic/genai-prices@0.1.8`. */
  source: string;
  /** When the snapshot was generated (YYYY-MM-DD, UTC). */
  date: Date;
  prices: SnapshotPrice[];
}

export function loadSnapshot(path = DEFAULT_SNAPSHOT_PATH): PriceSnapshot {
  return parseSnapshot(JSON.parse(readFileSync(path, 'utf8')));
}

/** Validates the generated snapshot file; a malformed entry is an error naming it. */
export function parseSnapshot(json: unknown): PriceSnapshot {
  const file = record(json, 'snapshot');
  const source = text(file.source, 'source');
  const date = instant(file.date, 'date');
  if (!Array.isArray(file.prices)) throw new Error('snapshot: prices must be an array');
  const prices = file.prices.map((entry: unknown, index: number): SnapshotPrice => {
    const where = `prices[${index}]`;
    const item = record(entry, where);
    const model = text(item.model, `${where}.model`);
    if (!MODEL_PATTERN.test(model)) throw new Error(`${where}.model: bad pattern "${model}"`);
    const threshold = item.longContextThreshold ?? null;
    if (threshold !== null && (!Number.isSafeInteger(threshold) || Number(threshold) < 1)) {
      throw new Error(`${where}.longContextThreshold must be a positive integer`);
    }
    return {
      model,
      sourceModel: typeof item.sourceModel === 'string' ? item.sourceModel : null,
      effectiveFrom: instant(item.effectiveFrom, `${where}.effectiveFrom`),
      input: price(item.input, `${where}.input`),
      output: price(item.output, `${where}.output`),
      cacheWrite5m: optionalPrice(item.cacheWrite5m, `${where}.cacheWrite5m`),
      cacheWrite1h: optionalPrice(item.cacheWrite1h, `${where}.cacheWrite1h`),
      cacheRead: optionalPrice(item.cacheRead, `${where}.cacheRead`),
      longContextThreshold: threshold === null ? null : Number(threshold),
      longInput: optionalPrice(item.longInput, `${where}.longInput`),
      longOutput: optionalPrice(item.longOutput, `${where}.longOutput`),
      longCacheWrite5m: optionalPrice(item.longCacheWrite5m, `${where}.longCacheWrite5m`),
      longCacheWrite1h: optionalPrice(item.longCacheWrite1h, `${where}.longCacheWrite1h`),
      longCacheRead: optionalPrice(item.longCacheRead, `${where}.longCacheRead`),
    };
  });
  return { source, date, prices };
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${where} must be a non-empty string`);
  }
  return value;
}

function instant(value: unknown, where: string): Date {
  const date = new Date(text(value, where));
  if (Number.isNaN(date.getTime())) throw new Error(`${where} is not a date`);
  return date;
}

function price(value: unknown, where: string): string {
  if (typeof value !== 'string' || !PRICE_DECIMAL.test(value)) {
    throw new Error(`${where} must be a decimal string like "3" or "0.375"`);
  }
  return value;
}

function optionalPrice(value: unknown, where: string): string | null {
  return value === undefined || value === null ? null : price(value, where);
}
