import { MarkerRefreshes } from './marker-refresh';

describe('MarkerRefreshes', () => {
  const user = { kind: 'user' as const, id: 'u1' };

  it('should claim a scope once per interval', () => {
    const refreshes = new MarkerRefreshes(60_000);
    expect(refreshes.claim(user, 1_000)).toBe(true);
    expect(refreshes.claim(user, 1_000)).toBe(false);
    expect(refreshes.claim(user, 60_999)).toBe(false);
    expect(refreshes.claim(user, 61_000)).toBe(true);
    expect(refreshes.claim(user, 61_001)).toBe(false);
  });

  it('should keep scopes apart, by kind as well as id', () => {
    const refreshes = new MarkerRefreshes(60_000);
    expect(refreshes.claim(user, 0)).toBe(true);
    expect(refreshes.claim({ kind: 'key', id: 'u1' }, 0)).toBe(true);
    expect(refreshes.claim({ kind: 'user', id: 'u2' }, 0)).toBe(true);
    expect(refreshes.claim(user, 1)).toBe(false);
  });

  it('should count a clock that went back as due', () => {
    const refreshes = new MarkerRefreshes(60_000);
    expect(refreshes.claim(user, 100_000)).toBe(true);
    expect(refreshes.claim(user, 99_999)).toBe(true);
    expect(refreshes.claim(user, 100_000)).toBe(false);
  });

  it('should start over past 10,000 scopes instead of growing', () => {
    const refreshes = new MarkerRefreshes(60_000);
    for (let i = 0; i < 10_000; i += 1) refreshes.claim({ kind: 'key', id: `k${i}` }, 0);
    expect(refreshes.claim({ kind: 'key', id: 'k0' }, 1)).toBe(false);
    expect(refreshes.claim({ kind: 'key', id: 'one-too-many' }, 1)).toBe(true);
    // Forgotten, so due again: an early refresh is all that costs.
    expect(refreshes.claim({ kind: 'key', id: 'k0' }, 2)).toBe(true);
    expect(refreshes.claim({ kind: 'key', id: 'one-too-many' }, 3)).toBe(false);
  });
});
