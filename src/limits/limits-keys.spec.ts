import { CalendarWindows } from './limit-windows';
import { LimitsKeys } from './limits-keys';

describe(LimitsKeys.name, () => {
  const keys = new LimitsKeys('cch:lim:', 'Europe/Paris');
  const windows = new CalendarWindows('Europe/Paris');
  const user = { kind: 'user' as const, id: 'u-1' };

  it('should name a scope’s keys by prefix, kind, id and part, the same on every call', () => {
    expect(keys.key(user, 'rpm')).toBe('cch:lim:user:u-1:rpm');
    expect(keys.key(user, 'rpm')).toBe(keys.key(user, 'rpm'));
    expect(keys.key({ kind: 'key', id: 'u-1' }, 'rpm')).toBe('cch:lim:key:u-1:rpm');
    expect(keys.done('r-9')).toBe('cch:lim:done:r-9');
  });

  it('should follow the calendar window asked for, with the zone in the name', () => {
    const march = windows.at(Date.parse('2024-03-31T12:00:00Z'));
    const april = windows.at(Date.parse('2024-04-01T12:00:00Z'));
    expect(keys.calendar(user, march)).toEqual([
      'cch:lim:user:u-1:day:Europe/Paris:2024-03-31',
      'cch:lim:user:u-1:week:Europe/Paris:2024-03-25',
      'cch:lim:user:u-1:month:Europe/Paris:2024-03',
    ]);
    expect(keys.calendar(user, april)[0]).toBe('cch:lim:user:u-1:day:Europe/Paris:2024-04-01');
    expect(keys.calendar(user, march)[2]).toBe('cch:lim:user:u-1:month:Europe/Paris:2024-03');
    // A caller may change the returned array without changing the next answer.
    keys.calendar(user, march).fill('x');
    expect(keys.calendar(user, march)[0]).toBe('cch:lim:user:u-1:day:Europe/Paris:2024-03-31');
  });

  it('should keep naming correctly past the number of scopes it keeps', () => {
    const many = new LimitsKeys('p:', 'UTC');
    for (let i = 0; i < 25_000; i += 1) {
      expect(many.key({ kind: 'key', id: `k${i}` }, 'base')).toBe(`p:key:k${i}:base`);
    }
    expect(many.key({ kind: 'key', id: 'k1' }, 'total')).toBe('p:key:k1:total');
  });
});
