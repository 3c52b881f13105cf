import { BreakerStateCache, StoredBreakerState } from './breaker-state-cache';

class Clock {
  value = 1_700_000_000_000;
  readonly now = (): number => this.value;
}

/** Stands in for the MGET: answers from `stored`, counting reads. */
class Store {
  reads = 0;
  readonly stored = new Map<string, string>();
  readonly read = (ids: readonly string[]): Promise<StoredBreakerState[]> => {
    this.reads += 1;
    return Promise.resolve(ids.map((id) => this.stored.get(id) ?? null));
  };
}

describe('BreakerStateCache', () => {
  const ids = ['a', 'b'];

  it('should read a set of providers once per max age', async () => {
    const clock = new Clock();
    const cache = new BreakerStateCache(1_000, clock.now);
    const store = new Store();
    store.stored.set('b', '123');
    expect([...(await cache.read(ids, store.read))]).toEqual([
      ['a', null],
      ['b', '123'],
    ]);
    // Another replica opens `a`: not seen until the entry is too old.
    store.stored.set('a', '456');
    clock.value += 999;
    expect((await cache.read(ids, store.read)).get('a')).toBeNull();
    // A new array with the same ids (a new provider snapshot) shares the entry.
    expect((await cache.read([...ids], store.read)).get('a')).toBeNull();
    clock.value += 1;
    expect((await cache.read(ids, store.read)).get('a')).toBe('456');
    expect(store.reads).toBe(2);
  });

  it('should keep sets of different providers apart', async () => {
    const cache = new BreakerStateCache(1_000);
    const store = new Store();
    store.stored.set('c', '1');
    await cache.read(ids, store.read);
    expect((await cache.read(['a', 'c'], store.read)).get('c')).toBe('1');
    expect(store.reads).toBe(2);
  });

  it("should apply this process's transitions at once, to every set holding the provider", async () => {
    const cache = new BreakerStateCache(1_000);
    const store = new Store();
    await cache.read(ids, store.read);
    await cache.read(['a'], store.read);
    cache.applyTransition('a', '789');
    expect((await cache.read(ids, store.read)).get('a')).toBe('789');
    expect((await cache.read(['a'], store.read)).get('a')).toBe('789');
    cache.applyTransition('a', null);
    expect((await cache.read(ids, store.read)).get('a')).toBeNull();
    // A provider a set does not hold is not added to it.
    cache.applyTransition('z', '1');
    expect([...(await cache.read(ids, store.read)).keys()]).toEqual(ids);
    expect(store.reads).toBe(2);
  });

  it('should not keep a read sent before a transition of this process', async () => {
    const clock = new Clock();
    const cache = new BreakerStateCache(1_000, clock.now);
    let release: (values: StoredBreakerState[]) => void = () => undefined;
    const slow = new Promise<StoredBreakerState[]>((resolve) => (release = resolve));
    const before = cache.read(ids, () => slow);
    cache.applyTransition('a', '789');
    release([null, null]);
    expect((await before).get('a')).toBeNull();
    const store = new Store();
    store.stored.set('a', '789');
    expect((await cache.read(ids, store.read)).get('a')).toBe('789');
    expect(store.reads).toBe(1);
  });

  it('should read every time with a max age of 0', async () => {
    const cache = new BreakerStateCache(0);
    const store = new Store();
    await cache.read(ids, store.read);
    cache.applyTransition('a', '1');
    expect((await cache.read(ids, store.read)).get('a')).toBeNull();
    expect(store.reads).toBe(2);
  });
});
