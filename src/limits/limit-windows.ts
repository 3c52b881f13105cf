/** A calendar window (day, week or month) in the configured time zone. */
export interface CalendarWindow {
  /** Stable name of the window, part of its Redis key: `2024-03-31`, `2024-03` … */
  key: string;
  /** First instant of the window (ms). */
  start: number;
  /** First instant of the next window (ms): when the budget resets. */
  resetAt: number;
}

export interface CalendarWindowSet {
  daily: CalendarWindow;
  /** Weeks start on Monday; the key is the Monday's date. */
  weekly: CalendarWindow;
  monthly: CalendarWindow;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function dateKey(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** Normalises an overflowing date (day 32, month 13, day 0) through the proleptic calendar. */
function normalise(year: number, month: number, day: number): LocalDate {
  const utc = new Date(Date.UTC(year, month - 1, day));
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

/**
 * Day, week and month windows of an IANA time zone, computed with `Intl` (no tz database of our
 * own). A window starts at the first instant whose local date is its first day, which is local
 * midnight except where a DST jump skips midnight (then the first instant after the gap).
 */
export class CalendarWindows {
  private readonly format: Intl.DateTimeFormat;
  /** The windows of the last local date asked for; they only change once a day. */
  private cached: CalendarWindowSet | null = null;

  constructor(readonly timeZone: string) {
    // Throws a RangeError for an unknown zone, which is what a bad configuration deserves.
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
  }

  /** The local calendar date at an instant. */
  localDate(instant: number): LocalDate {
    let year = 0;
    let month = 0;
    let day = 0;
    for (const part of this.format.formatToParts(instant)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
    }
    return { year, month, day };
  }

  /** The first instant whose local date is `date` or later. */
  startOf(date: LocalDate): number {
    const target = dateKey(date);
    // UTC offsets lie within [-12 h, +14 h]: local midnight is within 15 h of UTC midnight.
    const utcMidnight = Date.UTC(date.year, date.month - 1, date.day);
    let low = utcMidnight - 15 * HOUR_MS; // local date before target
    let high = utcMidnight + 15 * HOUR_MS; // local date at or after target
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (dateKey(this.localDate(middle)) >= target) high = middle;
      else low = middle;
    }
    return high;
  }

  /** The day, week (from Monday) and month windows containing an instant. */
  at(instant: number): CalendarWindowSet {
    // A cached set is valid for every instant of its day (the range also guards against a clock
    // going back); checked before `localDate`, whose Intl formatting is the costly part.
    const cached = this.cached;
    if (cached && instant >= cached.daily.start && instant < cached.daily.resetAt) return cached;
    const date = this.localDate(instant);
    const key = dateKey(date);
    const weekday = (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
    const monday = normalise(date.year, date.month, date.day - weekday);
    const windows: CalendarWindowSet = {
      daily: {
        key,
        start: this.startOf(date),
        resetAt: this.startOf(normalise(date.year, date.month, date.day + 1)),
      },
      weekly: {
        key: dateKey(monday),
        start: this.startOf(monday),
        resetAt: this.startOf(normalise(monday.year, monday.month, monday.day + 7)),
      },
      monthly: {
        key: `${pad(date.year, 4)}-${pad(date.month)}`,
        start: this.startOf({ year: date.year, month: date.month, day: 1 }),
        resetAt: this.startOf(normalise(date.year, date.month + 1, 1)),
      },
    };
    this.cached = windows;
    return windows;
  }
}

/** The rolling window (5 h) as fixed buckets; it slides one bucket at a time. */
export class RollingWindow {
  readonly buckets: number;

  constructor(
    readonly windowMs: number,
    readonly bucketMs: number,
  ) {
    if (!(bucketMs > 0) || !Number.isInteger(windowMs / bucketMs) || windowMs < bucketMs) {
      throw new Error('RollingWindow: windowMs must be a positive multiple of bucketMs');
    }
    this.buckets = windowMs / bucketMs;
  }

  bucketOf(instant: number): number {
    return Math.floor(instant / this.bucketMs);
  }

  /** The oldest bucket still inside the window at `instant`. */
  oldestBucket(instant: number): number {
    return this.bucketOf(instant) - this.buckets + 1;
  }

  /** When spend recorded in `bucket` leaves the window. */
  expiryOf(bucket: number): number {
    return (bucket + this.buckets) * this.bucketMs;
  }
}

export { DAY_MS, HOUR_MS };

/** Calendar counters outlive their window by this much (clock skew between replicas). */
const CALENDAR_GRACE_MS = HOUR_MS;

/** TTLs of the day, week and month counters: their window's end plus a grace, from `now`. */
export function calendarTtlsMs(windows: CalendarWindowSet, now: number): number[] {
  return [windows.daily, windows.weekly, windows.monthly].map((window) =>
    Math.max(CALENDAR_GRACE_MS, window.resetAt - now + CALENDAR_GRACE_MS),
  );
}

/** The request (rpm) window: 60 s, counted in steps of a second (the rate hash, limits.scripts.ts). */
export const RPM_WINDOW_MS = 60_000;
export const RPM_STEP_MS = 1_000;

/** The second (ms / 1,000) a request admitted at `at` is counted in. */
export function rateSecondOf(at: number): number {
  return Math.floor(at / RPM_STEP_MS);
}

/**
 * The oldest second whose requests still count at `now`: a request counts until its second has
 * ended and the window has passed after it, so never less than 60 s and at most a second more.
 */
export function oldestRateSecond(now: number): number {
  return rateSecondOf(now) - RPM_WINDOW_MS / RPM_STEP_MS;
}
