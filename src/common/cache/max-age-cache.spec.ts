import { MaxAgeCache } from './max-age-cache';

class Clock {
  value = 1_000_000;
  readonly now = (): number => this.value;
}

/** A load the test resolves or rejects by hand, counting how often it was started. */
class Loader<V> {
  calls = 0;
  private pending: Array<{ resolve: (value: V) => void; reject: (error: Error) => void }> = [];
  readonly load = (): Promise<V> => {
    this.calls += 1;
    return new Promise<V>((resolve, reject) => this.pending.push({ resolve, reject }));
  };
  resolve(value: V): void {
    this.pending.shift()?.resolve(value);
  }
  reject(error: Error): void {
    this.pending.shift()?.reject(error);
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('MaxAgeCache', () => {
  it('should serve a value while it is younger than the max age, then read again', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    let calls = 0;
    const load = () => Promise.resolve(`v${(calls += 1)}`);
    expect(await cache.get('k', load)).toBe('v1');
    clock.value += 999;
    expect(await cache.get('k', load)).toBe('v1');
    clock.value += 1;
    expect(await cache.get('k', load)).toBe('v2');
    expect(calls).toBe(2);
  });

  it('should age a value from when its read was sent, not when it came back', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    const loader = new Loader<string>();
    const first = cache.get('k', loader.load);
    clock.value += 600;
    loader.resolve('slow');
    expect(await first).toBe('slow');
    clock.value += 400;
    const second = cache.get('k', loader.load);
    expect(loader.calls).toBe(2);
    loader.resolve('next');
    expect(await second).toBe('next');
  });

  it('should make one load for concurrent misses of a key (single-flight)', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    const loader = new Loader<string>();
    const waiting = Array.from({ length: 64 }, () => cache.get('k', loader.load));
    const other = cache.get('other', loader.load);
    expect(loader.calls).toBe(2);
    loader.resolve('shared');
    loader.resolve('other');
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['shared']));
    expect(await other).toBe('other');
  });

  it('should share a failed load with its callers and keep nothing', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    const loader = new Loader<string>();
    const a = cache.get('k', loader.load);
    const b = cache.get('k', loader.load);
    loader.reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
    const c = cache.get('k', loader.load);
    expect(loader.calls).toBe(2);
    loader.resolve('back');
    expect(await c).toBe('back');
  });

  it('should turn a load that throws synchronously into a rejection', async () => {
    const cache = new MaxAgeCache<string>(1_000, 10);
    await expect(
      cache.get('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  it('should keep null as a value (a miss is undefined)', async () => {
    const cache = new MaxAgeCache<string | null>(1_000, 10);
    let calls = 0;
    const load = () => Promise.resolve((calls += 1) > 1 ? 'later' : null);
    expect(await cache.get('k', load)).toBeNull();
    expect(await cache.get('k', load)).toBeNull();
    expect(calls).toBe(1);
  });

  it('should serve its own writes as fresh reads', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    const loader = new Loader<string>();
    cache.set('k', 'written');
    expect(await cache.get('k', loader.load)).toBe('written');
    clock.value += 1_000;
    void cache.get('k', loader.load);
    expect(loader.calls).toBe(1);
  });

  it('should let a write win over a load sent before it', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 10, clock.now);
    const loader = new Loader<string>();
    const before = cache.get('k', loader.load);
    cache.set('k', 'written');
    loader.resolve('stale');
    // The caller that asked before the write gets the read's answer; nobody after it does.
    expect(await before).toBe('stale');
    expect(await cache.get('k', loader.load)).toBe('written');
    expect(loader.calls).toBe(1);
  });

  it('should patch kept values in place without making them fresher', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<Map<string, number>>(1_000, 10, clock.now);
    let calls = 0;
    const load = () => {
      calls += 1;
      return Promise.resolve(new Map([['a', calls]]));
    };
    await cache.get('k', load);
    clock.value += 500;
    cache.patchAll((map) => map.set('a', 42));
    expect((await cache.get('k', load)).get('a')).toBe(42);
    clock.value += 500;
    expect((await cache.get('k', load)).get('a')).toBe(2);
  });

  it('should make the callers after a patch wait for a new load, not one sent before it', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<Map<string, string>>(1_000, 10, clock.now);
    const loader = new Loader<Map<string, string>>();
    const before = cache.get('k', loader.load);
    cache.patchAll((map) => map.set('a', 'patched'));
    const after = cache.get('k', loader.load);
    expect(loader.calls).toBe(2);
    loader.resolve(new Map([['a', 'read before']]));
    loader.resolve(new Map([['a', 'read after']]));
    expect((await before).get('a')).toBe('read before');
    expect((await after).get('a')).toBe('read after');
    await flush();
    // Only the answer read after the change was kept.
    expect((await cache.get('k', loader.load)).get('a')).toBe('read after');
    expect(loader.calls).toBe(2);
  });

  it('should keep at most maxEntries values, dropping the oldest', async () => {
    const clock = new Clock();
    const cache = new MaxAgeCache<string>(1_000, 3, clock.now);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key);
    let calls = 0;
    const load = () => Promise.resolve(`loaded${(calls += 1)}`);
    expect(await cache.get('d', load)).toBe('d');
    expect(await cache.get('b', load)).toBe('b');
    expect(await cache.get('a', load)).toBe('loaded1');
  });

  it('should keep nothing with a max age of 0, sharing only a load of the same turn', async () => {
    const cache = new MaxAgeCache<string>(0, 10);
    const loader = new Loader<string>();
    cache.set('k', 'written');
    const a = cache.get('k', loader.load);
    const b = cache.get('k', loader.load);
    const other = cache.get('other', loader.load);
    expect(loader.calls).toBe(2);
    loader.resolve('1');
    loader.resolve('x');
    expect([await a, await b, await other]).toEqual(['1', '1', 'x']);
    // The next turn reads again, even with nothing newer written.
    await flush();
    const c = cache.get('k', loader.load);
    expect(loader.calls).toBe(3);
    loader.resolve('2');
    expect(await c).toBe('2');
    expect(cache.enabled).toBe(false);
  });

  it('should not share a load of this turn past a write or a patch of this process', async () => {
    const cache = new MaxAgeCache<Map<string, string>>(0, 10);
    const loader = new Loader<Map<string, string>>();
    const before = cache.get('k', loader.load);
    cache.set('k', new Map());
    const afterWrite = cache.get('k', loader.load);
    cache.patchAll(() => undefined);
    const afterPatch = cache.get('k', loader.load);
    expect(loader.calls).toBe(3);
    for (const value of ['a', 'b', 'c']) loader.resolve(new Map([['v', value]]));
    const seen = await Promise.all([before, afterWrite, afterPatch]);
    expect(seen.map((map) => map.get('v'))).toEqual(['a', 'b', 'c']);
  });

  it('should refuse a negative max age or no room', () => {
    expect(() => new MaxAgeCache<string>(-1, 10)).toThrow();
    expect(() => new MaxAgeCache<string>(10, 0)).toThrow();
  });
});
