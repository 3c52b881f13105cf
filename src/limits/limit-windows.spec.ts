import { CalendarWindows, oldestRateSecond, rateSecondOf, RollingWindow } from './limit-windows';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

function describeWindows(timeZone: string, instant: string) {
  const windows = new CalendarWindows(timeZone).at(at(instant));
  return Object.fromEntries(
    Object.entries(windows).map(([name, w]) => [name, [w.key, iso(w.start), iso(w.resetAt)]]),
  );
}

describe('CalendarWindows', () => {
  it('should compute UTC day, Monday-based week and month windows', () => {
    expect(describeWindows('UTC', '2024-03-15T10:00:00Z')).toEqual({
      daily: ['2024-03-15', '2024-03-15T00:00:00.000Z', '2024-03-16T00:00:00.000Z'],
      weekly: ['2024-03-11', '2024-03-11T00:00:00.000Z', '2024-03-18T00:00:00.000Z'],
      monthly: ['2024-03', '2024-03-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z'],
    });
  });

  it('should put Sunday in the week that began on the Monday before, Monday in a new one', () => {
    const zone = new CalendarWindows('UTC');
    expect(zone.at(at('2024-03-17T23:59:59.999Z')).weekly.key).toBe('2024-03-11');
    expect(zone.at(at('2024-03-18T00:00:00.000Z')).weekly.key).toBe('2024-03-18');
  });

  it('should run a week across the year end and a month into the next year', () => {
    expect(describeWindows('UTC', '2025-01-01T08:00:00Z').weekly).toEqual([
      '2024-12-30',
      '2024-12-30T00:00:00.000Z',
      '2025-01-06T00:00:00.000Z',
    ]);
    expect(describeWindows('UTC', '2024-12-31T23:59:59Z').monthly).toEqual([
      '2024-12',
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
  });

  it('should end February on the 29th in a leap year and on the 28th otherwise', () => {
    expect(describeWindows('UTC', '2024-02-29T12:00:00Z').monthly[2]).toBe(
      '2024-03-01T00:00:00.000Z',
    );
    expect(describeWindows('UTC', '2023-02-28T12:00:00Z').daily[2]).toBe(
      '2023-03-01T00:00:00.000Z',
    );
  });

  it('should use local dates: an instant on the 31st in UTC is already the 1st in Tokyo', () => {
    expect(describeWindows('Asia/Tokyo', '2024-01-31T20:00:00Z')).toEqual({
      daily: ['2024-02-01', '2024-01-31T15:00:00.000Z', '2024-02-01T15:00:00.000Z'],
      weekly: ['2024-01-29', '2024-01-28T15:00:00.000Z', '2024-02-04T15:00:00.000Z'],
      monthly: ['2024-02', '2024-01-31T15:00:00.000Z', '2024-02-29T15:00:00.000Z'],
    });
  });

  it('should handle offsets that are not whole hours', () => {
    expect(describeWindows('Asia/Kathmandu', '2024-03-15T12:00:00Z').daily).toEqual([
      '2024-03-15',
      '2024-03-14T18:15:00.000Z',
      '2024-03-15T18:15:00.000Z',
    ]);
  });

  it('should make the spring-forward day 23 h long and the fall-back day 25 h (Berlin)', () => {
    const spring = describeWindows('Europe/Berlin', '2024-03-31T12:00:00Z');
    expect(spring.daily).toEqual([
      '2024-03-31',
      '2024-03-30T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
    // The month began in winter time and ends in summer time.
    expect(spring.monthly).toEqual([
      '2024-03',
      '2024-02-29T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
    const fall = describeWindows('Europe/Berlin', '2024-10-27T12:00:00Z');
    expect(fall.daily).toEqual([
      '2024-10-27',
      '2024-10-26T22:00:00.000Z',
      '2024-10-27T23:00:00.000Z',
    ]);
    expect(fall.weekly).toEqual([
      '2024-10-21',
      '2024-10-20T22:00:00.000Z',
      '2024-10-27T23:00:00.000Z',
    ]);
  });

  it('should start a day at 01:00 when DST skips midnight (Santiago, 2022-09-11)', () => {
    expect(describeWindows('America/Santiago', '2022-09-10T12:00:00Z').daily).toEqual([
      '2022-09-10',
      '2022-09-10T04:00:00.000Z',
      '2022-09-11T04:00:00.000Z',
    ]);
    expect(describeWindows('America/Santiago', '2022-09-11T12:00:00Z').daily).toEqual([
      '2022-09-11',
      '2022-09-11T04:00:00.000Z',
      '2022-09-12T03:00:00.000Z',
    ]);
  });

  it('should reset into the next existing day when a whole date is skipped (Apia, 2011)', () => {
    // 2011-12-30 never happened in Samoa: the 29th (UTC-10) was followed by the 31st (UTC+14).
    expect(describeWindows('Pacific/Apia', '2011-12-29T12:00:00Z')).toEqual({
      daily: ['2011-12-29', '2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z'],
      weekly: ['2011-12-26', '2011-12-26T10:00:00.000Z', '2012-01-01T10:00:00.000Z'],
      monthly: ['2011-12', '2011-12-01T10:00:00.000Z', '2011-12-31T10:00:00.000Z'],
    });
  });

  it('should give each instant of a day the same windows and move on at the reset', () => {
    const zone = new CalendarWindows('America/New_York');
    const first = zone.at(at('2024-06-10T04:00:00Z'));
    expect(iso(first.daily.start)).toBe('2024-06-10T04:00:00.000Z');
    expect(zone.at(first.daily.resetAt - 1).daily.key).toBe('2024-06-10');
    expect(zone.at(first.daily.resetAt).daily.key).toBe('2024-06-11');
    // A clock going back across the boundary does not get the cached later day.
    expect(zone.at(first.daily.start - 1).daily.key).toBe('2024-06-09');
    expect(zone.at(first.daily.start).daily.key).toBe('2024-06-10');
  });

  it('should reject an unknown time zone', () => {
    expect(() => new CalendarWindows('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('RollingWindow', () => {
  it('should cover 60 five-minute buckets ending with the current one', () => {
    const window = new RollingWindow(5 * 3_600_000, 300_000);
    const now = at('2024-03-15T10:07:00Z');
    const bucket = window.bucketOf(now);
    expect(bucket * 300_000).toBe(at('2024-03-15T10:05:00Z'));
    expect(window.oldestBucket(now)).toBe(bucket - 59);
    // Spend of the current bucket counts until 5 h after the bucket's start.
    expect(iso(window.expiryOf(bucket))).toBe('2024-03-15T15:05:00.000Z');
  });

  it('should refuse a window that is not a whole number of buckets', () => {
    expect(() => new RollingWindow(1000, 300)).toThrow();
  });
});

describe('the request window in seconds', () => {
  it('should count a request from its second until 60 s after that second ends', () => {
    const admitted = at('2024-03-15T10:00:00.250Z');
    const second = rateSecondOf(admitted);
    expect(second).toBe(at('2024-03-15T10:00:00Z') / 1_000);
    const counted = (now: number) => second >= oldestRateSecond(now);
    // Never less than 60 s after the admission itself...
    expect(counted(admitted + 60_000 - 1)).toBe(true);
    expect(counted(admitted + 60_000)).toBe(true);
    // ...and no longer than 60 s after its second has ended.
    expect(counted(at('2024-03-15T10:01:00.999Z'))).toBe(true);
    expect(counted(at('2024-03-15T10:01:01Z'))).toBe(false);
  });
});
