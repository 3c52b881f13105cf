import { ScopeMemo } from './scope-memo';

describe('ScopeMemo', () => {
  it('should keep scopes apart by kind as well as id', () => {
    const memo = new ScopeMemo<string>(10);
    memo.set({ kind: 'user', id: 'a' }, 'user a');
    memo.set({ kind: 'key', id: 'a' }, 'key a');
    expect(memo.get({ kind: 'user', id: 'a' })).toBe('user a');
    expect(memo.get({ kind: 'key', id: 'a' })).toBe('key a');
    expect(memo.get({ kind: 'provider', id: 'a' })).toBeUndefined();
  });

  it('should start over when a new scope would pass the bound, not when a known one changes', () => {
    const memo = new ScopeMemo<number>(2);
    memo.set({ kind: 'user', id: 'a' }, 1);
    memo.set({ kind: 'key', id: 'b' }, 2);
    memo.set({ kind: 'user', id: 'a' }, 3);
    expect(memo.get({ kind: 'key', id: 'b' })).toBe(2);
    memo.set({ kind: 'user', id: 'c' }, 4);
    expect(memo.get({ kind: 'user', id: 'a' })).toBeUndefined();
    expect(memo.get({ kind: 'key', id: 'b' })).toBeUndefined();
    expect(memo.get({ kind: 'user', id: 'c' })).toBe(4);
  });
});
