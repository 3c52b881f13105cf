import { randomUUID } from 'node:crypto';
import { timeOrderedUuid, uuidTimestamp } from './time-ordered-uuid';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedUuid', () => {
  it('should be a version 7 UUID carrying the time it was minted at', () => {
    const before = Date.now();
    const id = timeOrderedUuid();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const minted = uuidTimestamp(id);
    expect(minted).not.toBeNull();
    expect(minted).toBeGreaterThanOrEqual(before);
    expect(minted).toBeLessThanOrEqual(after);
  });

  it('should put the time in the first 48 bits, big-endian', () => {
    expect(timeOrderedUuid(0).slice(0, 13)).toBe('00000000-0000');
    expect(timeOrderedUuid(0x0123456789ab).slice(0, 13)).toBe('01234567-89ab');
    expect(timeOrderedUuid(2 ** 48 - 1).slice(0, 13)).toBe('ffffffff-ffff');
    expect(uuidTimestamp(timeOrderedUuid(1_764_000_000_123))).toBe(1_764_000_000_123);
  });

  it('should sort as text in the order of the times', () => {
    const times = [0, 1, 15, 16, 255, 4096, 1_700_000_000_000, 1_764_000_000_000, 2 ** 47];
    const ids = times.map((time) => timeOrderedUuid(time));
    expect([...ids].sort()).toEqual(ids);
    // Ids of later milliseconds sort after every id of an earlier one, whatever their random bits.
    const early = Array.from({ length: 200 }, () => timeOrderedUuid(1_764_000_000_000));
    const late = Array.from({ length: 200 }, () => timeOrderedUuid(1_764_000_000_001));
    expect(early.every((a) => late.every((b) => a < b))).toBe(true);
  });

  it('should stay unique within one millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => timeOrderedUuid(1_764_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  });

  it('should refuse a time a UUIDv7 cannot hold', () => {
    expect(() => timeOrderedUuid(-1)).toThrow(RangeError);
    expect(() => timeOrderedUuid(2 ** 48)).toThrow(RangeError);
    expect(() => timeOrderedUuid(1.5)).toThrow(RangeError);
    expect(() => timeOrderedUuid(Number.NaN)).toThrow(RangeError);
  });
});

describe('uuidTimestamp', () => {
  it('should read no time from anything but a version 7 UUID', () => {
    expect(uuidTimestamp(randomUUID())).toBeNull();
    expect(uuidTimestamp('not-a-uuid')).toBeNull();
    expect(uuidTimestamp(timeOrderedUuid().toUpperCase())).toBeNull();
    expect(uuidTimestamp('')).toBeNull();
  });
});
