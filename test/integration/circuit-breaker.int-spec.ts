import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitOperation,
  CircuitTransition,
} from '../../src/routing/circuit-breaker';
import { TEST_ENV } from '../support/test-env';

/** A clock the tests move by hand; a multiple of 1 s so bucket boundaries are predictable. */
class ManualClock {
  value = 1_700_000_000_000;
  readonly now = (): number => this.value;
  advance(ms: number): void {
    this.value += ms;
  }
}

describe('CircuitBreaker (Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;

  beforeAll(() => {
    redisA = new Redis(TEST_ENV.REDIS_URL);
    redisB = new Redis(TEST_ENV.REDIS_URL);
  });

  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
  });

  /** The breaker swallows Redis errors; against a healthy Redis there must be none. */
  let unexpectedErrors: Array<{ operation: CircuitOperation; error: unknown }> = [];

  beforeEach(() => {
    unexpectedErrors = [];
  });

  afterEach(() => {
    expect(unexpectedErrors).toEqual([]);
  });

  interface Replicas {
    clock: ManualClock;
    prefix: string;
    transitions: Array<[string, CircuitTransition]>;
    /** Two breakers on two connections sharing one clock: two gateway replicas. */
    a: CircuitBreaker;
    b: CircuitBreaker;
  }

  function replicas(options: CircuitBreakerOptions = {}): Replicas {
    const clock = new ManualClock();
    const prefix = `cch:test:cb:${randomUUID()}:`;
    const transitions: Array<[string, CircuitTransition]> = [];
    const full: CircuitBreakerOptions = {
      windowMs: 60_000,
      minimumRequests: 5,
      failureRateThreshold: 0.5,
      openMs: 30_000,
      ...options,
      keyPrefix: prefix,
      onTransition: (id, transition) => transitions.push([id, transition]),
      onError: (error, operation) => unexpectedErrors.push({ operation, error }),
    };
    return {
      clock,
      prefix,
      transitions,
      a: new CircuitBreaker(redisA, full, clock.now),
      b: new CircuitBreaker(redisB, full, clock.now),
    };
  }

  async function recordMany(
    breaker: CircuitBreaker,
    id: string,
    successes: number,
    failures: number,
  ): Promise<void> {
    for (let i = 0; i < successes; i += 1) {
      await breaker.recordSuccess(id);
    }
    for (let i = 0; i < failures; i += 1) {
      await breaker.recordFailure(id);
    }
  }

  async function stateOf(breaker: CircuitBreaker, id: string): Promise<string | undefined> {
    return (await breaker.states([id])).get(id);
  }

  async function openBreaker(r: Replicas, id: string): Promise<void> {
    await recordMany(r.a, id, 0, 5);
    expect(await stateOf(r.a, id)).toBe('open');
  }

  it('should count successes recorded together like the same successes one by one', async () => {
    const r = replicas();
    // 6 successes in one call, then failures: 5 of 11 stay below 50 %, the 6th of 12 opens.
    await r.a.recordSuccesses('p', 6);
    await recordMany(r.a, 'p', 0, 5);
    expect(await stateOf(r.a, 'p')).toBe('closed');
    await r.a.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('open');
  });

  it('should never resolve a half-open probe with successes recorded together', async () => {
    const r = replicas();
    await openBreaker(r, 'p');
    r.clock.advance(30_000);
    expect(await r.a.acquire('p')).toBe(true);
    // Closed-breaker successes of this replica, flushed while it holds the probe: ignored.
    await r.a.recordSuccesses('p', 3);
    expect(await stateOf(r.a, 'p')).toBe('half-open');
    // The probe's own outcome still closes it.
    await r.a.recordSuccess('p');
    expect(await stateOf(r.a, 'p')).toBe('closed');
  });

  it('should open once the failure rate reaches the threshold with the minimum volume', async () => {
    const r = replicas();
    await recordMany(r.a, 'p', 2, 2);
    expect(await stateOf(r.a, 'p')).toBe('closed');

    // 3 failures out of 5: at the minimum volume and over 50%. Recorded by the other replica.
    await r.b.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('open');
    expect(await r.a.acquire('p')).toBe(false);
    expect(await r.b.acquire('p')).toBe(false);
    expect(r.transitions).toEqual([['p', 'opened']]);
  });

  it('should stay closed while the failure rate is below the threshold', async () => {
    const r = replicas();
    await recordMany(r.a, 'p', 6, 4);
    expect(await stateOf(r.a, 'p')).toBe('closed');
    // One more failure: 5 of 11 is still below 50%; the next one reaches 6 of 12.
    await r.a.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('closed');
    await r.a.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('open');
  });

  it('should not open below the minimum volume, even at 100% failures', async () => {
    const r = replicas({ minimumRequests: 5 });
    await recordMany(r.a, 'p', 0, 4);
    expect(await stateOf(r.a, 'p')).toBe('closed');
    expect(await r.a.acquire('p')).toBe(true);
    expect(r.transitions).toEqual([]);
  });

  it('should report many providers in one call, unknown ones as closed', async () => {
    const r = replicas();
    await openBreaker(r, 'down');
    r.clock.advance(30_000);
    await recordMany(r.a, 'recent', 0, 5);
    const states = await r.b.states(['down', 'recent', 'fine', 'never-seen']);
    expect(Object.fromEntries(states)).toEqual({
      down: 'half-open',
      recent: 'open',
      fine: 'closed',
      'never-seen': 'closed',
    });
    expect((await r.a.states([])).size).toBe(0);
  });

  it('should stay open for the whole cool-down, then turn half-open', async () => {
    const r = replicas({ openMs: 30_000 });
    await openBreaker(r, 'p');
    r.clock.advance(29_999);
    expect(await stateOf(r.b, 'p')).toBe('open');
    expect(await r.a.acquire('p')).toBe(false);
    expect(await r.b.acquire('p')).toBe(false);
    r.clock.advance(1);
    expect(await stateOf(r.b, 'p')).toBe('half-open');
  });

  it('should let exactly one of many concurrent callers on two replicas win the probe', async () => {
    const r = replicas();
    await openBreaker(r, 'p');
    r.clock.advance(30_000);

    const callers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? r.a : r.b));
    const granted = await Promise.all(callers.map((breaker) => breaker.acquire('p')));
    expect(granted.filter(Boolean)).toHaveLength(1);

    // Nobody else gets through while the probe is unresolved, even much later.
    r.clock.advance(45_000);
    expect(await r.a.acquire('p')).toBe(false);
    expect(await r.b.acquire('p')).toBe(false);
    expect(await stateOf(r.a, 'p')).toBe('half-open');
  });

  it('should close when the probe succeeds, ignoring outcomes of non-probe requests', async () => {
    const r = replicas();
    await openBreaker(r, 'p');
    r.clock.advance(30_000);
    expect(await r.a.acquire('p')).toBe(true);
    expect(await r.b.acquire('p')).toBe(false);

    // A late success on the replica that lost the probe does not close the breaker...
    await r.b.recordSuccess('p');
    expect(await stateOf(r.a, 'p')).toBe('half-open');
    // ...the probe's own success does.
    await r.a.recordSuccess('p');
    expect(await stateOf(r.b, 'p')).toBe('closed');
    expect(await r.a.acquire('p')).toBe(true);
    expect(await r.b.acquire('p')).toBe(true);
    expect(r.transitions).toEqual([
      ['p', 'opened'],
      ['p', 'closed'],
    ]);

    // A fresh window: the minimum volume has to be reached again before re-opening.
    await recordMany(r.a, 'p', 0, 4);
    expect(await stateOf(r.a, 'p')).toBe('closed');
    await r.b.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('open');
  });

  it('should re-open for another cool-down when the probe fails', async () => {
    const r = replicas({ openMs: 30_000 });
    await openBreaker(r, 'p');
    r.clock.advance(30_000);
    expect(await r.b.acquire('p')).toBe(true);

    // A late failure on the other replica changes nothing; the probe's failure re-opens.
    await r.a.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('half-open');
    r.clock.advance(1_000);
    await r.b.recordFailure('p');
    expect(await stateOf(r.a, 'p')).toBe('open');
    expect(r.transitions).toEqual([
      ['p', 'opened'],
      ['p', 'reopened'],
    ]);

    // The new cool-down counts from the probe's failure.
    r.clock.advance(29_999);
    expect(await r.a.acquire('p')).toBe(false);
    expect(await stateOf(r.a, 'p')).toBe('open');
    r.clock.advance(1);
    expect(await stateOf(r.a, 'p')).toBe('half-open');
    // The failed probe released its lock: a new probe can be won.
    expect(await r.a.acquire('p')).toBe(true);
    expect(await r.b.acquire('p')).toBe(false);
  });

  it('should release a probe whose outcome never arrives after probeTimeoutMs', async () => {
    // The probe lock's expiry is a Redis TTL (real time), so this one waits briefly for real.
    const r = replicas({ openMs: 1_000, probeTimeoutMs: 50 });
    await openBreaker(r, 'p');
    r.clock.advance(1_000);
    expect(await r.a.acquire('p')).toBe(true);
    expect(await r.b.acquire('p')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await r.b.acquire('p')).toBe(true);
    // The abandoned probe's late outcome is not taken for the new probe's.
    await r.a.recordSuccess('p');
    expect(await stateOf(r.a, 'p')).toBe('half-open');
    await r.b.recordSuccess('p');
    expect(await stateOf(r.a, 'p')).toBe('closed');
  });

  it('should let old outcomes slide out of the window', async () => {
    const r = replicas({ windowMs: 10_000, buckets: 10, minimumRequests: 5 });
    const start = r.clock.value;
    await recordMany(r.a, 'stale', 0, 4);
    await recordMany(r.a, 'fresh', 0, 4);

    // 9.999 s later the first bucket is still inside the window: a fifth failure opens.
    r.clock.value = start + 9_999;
    await r.a.recordFailure('fresh');
    expect(await stateOf(r.a, 'fresh')).toBe('open');

    // 10 s later it has slid out: the four old failures no longer count.
    r.clock.value = start + 10_000;
    await r.a.recordFailure('stale');
    expect(await stateOf(r.a, 'stale')).toBe('closed');
    await recordMany(r.a, 'stale', 0, 3);
    expect(await stateOf(r.a, 'stale')).toBe('closed');
    await r.a.recordFailure('stale');
    expect(await stateOf(r.a, 'stale')).toBe('open');
  });

  it('should keep the window bounded under a steady stream of successes', async () => {
    const r = replicas({ windowMs: 10_000, buckets: 10 });
    for (let i = 0; i < 60; i += 1) {
      await r.a.recordSuccess('p');
      r.clock.advance(1_000);
    }
    const fields = await redisA.hkeys(`${r.prefix}{p}:window`);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.length).toBeLessThanOrEqual(10);
  });

  it('should fail open, reporting errors, when Redis is unreachable', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined);
    const errors: CircuitOperation[] = [];
    const breaker = new CircuitBreaker(
      unreachable,
      { keyPrefix: `cch:test:cb:${randomUUID()}:`, onError: (_error, op) => errors.push(op) },
      new ManualClock().now,
    );
    try {
      const states = await breaker.states(['a', 'b']);
      expect(Object.fromEntries(states)).toEqual({ a: 'closed', b: 'closed' });
      expect(await breaker.acquire('a')).toBe(true);
      await expect(breaker.recordFailure('a')).resolves.toBeUndefined();
      await expect(breaker.recordSuccess('a')).resolves.toBeUndefined();
      expect(errors).toEqual(
        expect.arrayContaining(['states', 'acquire', 'recordFailure', 'recordSuccess']),
      );
    } finally {
      unreachable.disconnect();
    }
  });

  it('should swallow errors thrown by its own callbacks', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined);
    const breaker = new CircuitBreaker(unreachable, {
      onError: () => {
        throw new Error('logger broke');
      },
    });
    try {
      expect(await breaker.acquire('a')).toBe(true);
      await expect(breaker.recordFailure('a')).resolves.toBeUndefined();
    } finally {
      unreachable.disconnect();
    }
  });
});
