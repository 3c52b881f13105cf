import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * `from` / `to` of a report: an instant with an offset (`2026-03-01T08:00:00Z`,
 * `2026-03-01T09:00:00+01:00`) or a local date / date-time without offset (`2026-03-01`,
 * `2026-03-01T09:00`), which is read as wall-clock time in the report's `tz`.
 */
const REPORT_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface ParsedReportTime {
  /** The text as sent, normalised to `T` between date and time. */
  text: string;
  /** True when the text carries `Z` or an offset, i.e. names an instant on its own. */
  hasOffset: boolean;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses and range-checks a `from` / `to` value; null when it is not one. */
export function parseReportTime(value: unknown): ParsedReportTime | null {
  if (typeof value !== 'string') return null;
  const match = REPORT_TIME.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, , offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return null;
  }
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? '0') > 59)) return null;
  if (offset !== undefined && offset !== 'Z') {
    const digits = offset.replace(':', '');
    if (Number(digits.slice(1, 3)) > 14 || Number(digits.slice(3, 5)) > 59) return null;
  }
  return { text: value.replace(' ', 'T'), hasOffset: offset !== undefined };
}

export function IsReportTime(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isReportTime',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          '$property must be an ISO 8601 instant (2026-03-01T08:00:00Z) or a local date or ' +
          'date-time in tz (2026-03-01, 2026-03-01T08:00)',
        ...options,
      },
      validator: { validate: (value: unknown) => parseReportTime(value) !== null },
    });
  };
}

/** IANA zone names only: no POSIX strings or bare offsets, whose signs Postgres inverts. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** Whether the runtime knows the IANA time zone (Postgres is checked again by the service). */
export function isKnownTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || !ZONE_NAME.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: '$property must be an IANA time zone name such as UTC or Europe/Berlin',
        ...options,
      },
      validator: { validate: (value: unknown) => isKnownTimeZone(value) },
    });
  };
}
