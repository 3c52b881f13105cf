/** Display helpers; money stays a decimal string from the API and is only rounded for display. */
export function formatUsd(value: string | null | undefined, locale: string): string {
  if (value === null || value === undefined) return '—';
  const number = Number(value);
  if (!Number.isFinite(number)) return value;
  const digits = Math.abs(number) > 0 && Math.abs(number) < 0.01 ? 6 : 2;
  return `$${number.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

export function formatInt(value: string | number | null | undefined, locale: string): string {
  if (value === null || value === undefined) return '—';
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number.toLocaleString(locale) : String(value);
}

export function formatCompact(value: string | number, locale: string): string {
  const number = typeof value === 'number' ? value : Number(value);
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(
    number,
  );
}

export function formatTime(value: string | null | undefined, locale: string): string {
  if (!value) return '—';
  return new Date(value).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'medium' });
}

export function totalTokens(tokens: {
  input: string;
  output: string;
  cacheWrite5m: string;
  cacheWrite1h: string;
  cacheRead: string;
}): number {
  return (
    Number(tokens.input) +
    Number(tokens.output) +
    Number(tokens.cacheWrite5m) +
    Number(tokens.cacheWrite1h) +
    Number(tokens.cacheRead)
  );
}

/** Local calendar date as YYYY-MM-DD (the report API reads it in the given tz). */
export function isoDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Every calendar day in [from, to) (YYYY-MM-DD), so a chart shows days without usage as zero. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at < end && days.length < 400; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/** Cost per day over the range, zero where the report has no row. */
export function dailySeries(
  rows: { id: string | null; costUsd: string }[],
  from: string,
  to: string,
): { days: string[]; values: number[] } {
  const byDay = new Map(rows.map((row) => [row.id ?? '', Number(row.costUsd)]));
  const days = daysBetween(from, to);
  return { days, values: days.map((day) => byDay.get(day) ?? 0) };
}

/** An axis label for small USD amounts: enough digits to tell the ticks apart. */
export function axisUsd(value: number, locale: string): string {
  if (value === 0) return '$0';
  const digits =
    Math.abs(value) >= 1 ? 2 : Math.min(6, Math.ceil(-Math.log10(Math.abs(value))) + 1);
  return `$${value.toLocaleString(locale, { maximumFractionDigits: digits })}`;
}
