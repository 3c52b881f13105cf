import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  LimitsEngine,
  LimitsEngineOptions,
  SETTLED_MARKER_TTL_MS,
} from '../../src/limits/limits-engine';
import { LimitsLedgerRebuilder } from '../../src/limits/limits-ledger-rebuilder';
import {
  AdmitResult,
  LimitScope,
  LimitScopeRef,
  LimitsOperation,
  LimitsReservation,
} from '../../src/limits/limits.types';
import { microsToUsd } from '../../src/limits/usd-micros';
import { seededRandom } from '../support/random-splits';
import { TEST_ENV } from '../support/test-env';

/** A clock the tests move by hand. */
class ManualClock {
  constructor(public value = Date.parse('2024-03-13T10:00:00Z')) {}
  readonly now = (): number => this.value;
  advance(ms: number): void {
    this.value += ms;
  }
}

function admitted(result: AdmitResult): LimitsReservation {
  if (!result.ok) throw new Error(`expected admission, got ${JSON.stringify(result)}`);
  return result.reservation;
}

describe('LimitsEngine (Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;
  let db: Pool;

  beforeAll(() => {
    redisA = new Redis(TEST_ENV.REDIS_URL);
    redisB = new Redis(TEST_ENV.REDIS_URL);
    db = new Pool({ connectionString: TEST_ENV.DATABASE_URL, max: 4 });
  });

  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
    await db.end();
  });

  /** The engine swallows Redis errors; against a healthy Redis there must be none. */
  let unexpectedErrors: Array<{ operation: LimitsOperation; error: unknown }> = [];

  beforeEach(() => {
    unexpectedErrors = [];
  });

  afterEach(() => {
    expect(unexpectedErrors).toEqual([]);
  });

  interface Setup {
    clock: ManualClock;
    prefix: string;
    /** Two engines on two connections sharing one clock: two gateway replicas. */
    a: LimitsEngine;
    b: LimitsEngine;
  }

  function setup(options: LimitsEngineOptions = {}, clock = new ManualClock()): Setup {
    const prefix = `cch:test:lim:${randomUUID()}:`;
    const full: LimitsEngineOptions = {
      ...options,
      keyPrefix: prefix,
      onError: (error, operation) => unexpectedErrors.push({ operation, error }),
    };
    return {
      clock,
      prefix,
      a: new LimitsEngine(redisA, full, clock.now),
      b: new LimitsEngine(redisB, full, clock.now),
    };
  }

  let sequence = 0;
  function admit(engine: LimitsEngine, scopes: LimitScope[], reserveUsd = '0', requestId?: string) {
    sequence += 1;
    return engine.admit({ requestId: requestId ?? `req-${sequence}`, scopes, reserveUsd });
  }

  const user = (limits: LimitScope['limits'], id: string = randomUUID()): LimitScope => ({
    kind: 'user',
    id,
    limits,
  });

  describe('requests per minute', () => {
    it('should refuse the N+1th request within 60 s and admit once the window slides', async () => {
      const s = setup();
      const u = user({ rpm: 3 });
      const start = s.clock.value;
      for (let i = 0; i < 3; i += 1) {
        const result = await admit(i % 2 === 0 ? s.a : s.b, [u]);
        expect(result.ok).toBe(true);
        expect(result.headers['x-ratelimit-remaining-requests']).toBe(String(2 - i));
        s.clock.advance(10_000);
      }
      // t = 30 s: the three requests of t = 0, 10, 20 s are all within the window. The first
      // counts until its second has ended and 60 s more have passed: t = 61 s.
      const refused = await admit(s.b, [u]);
      expect(refused).toMatchObject({
        ok: false,
        kind: 'rate',
        scope: 'user',
        scopeId: u.id,
        retryAfterSeconds: 31,
      });
      expect(refused.headers).toMatchObject({
        'retry-after': '31',
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-requests': '0',
      });

      // Never counted for less than 60 s, and at most a second more.
      s.clock.value = start + 60_000;
      expect((await admit(s.a, [u])).ok).toBe(false);
      s.clock.value = start + 60_999;
      expect((await admit(s.a, [u])).ok).toBe(false);
      s.clock.value = start + 61_000;
      const again = await admit(s.a, [u]);
      expect(again.ok).toBe(true);
      expect(again.headers['x-ratelimit-remaining-requests']).toBe('0');
      expect(again.headers['x-ratelimit-reset-requests']).toBe('10s');
      expect((await admit(s.a, [u])).ok).toBe(false);
    });

    it('should count a request once against every scope, and refusals not at all', async () => {
      const s = setup();
      const u = user({ rpm: 2 });
      const key: LimitScope = { kind: 'key', id: randomUUID(), limits: { rpm: 10 } };
      expect((await admit(s.a, [u, key])).ok).toBe(true);
      expect((await admit(s.a, [u, key])).ok).toBe(true);
      expect(await admit(s.a, [u, key])).toMatchObject({ ok: false, scope: 'user' });
      // Refused requests did not count against the key: 8 more fit there.
      const other = user({});
      for (let i = 0; i < 8; i += 1) {
        expect((await admit(s.a, [other, key])).ok).toBe(true);
      }
      expect(await admit(s.a, [other, key])).toMatchObject({ ok: false, scope: 'key' });
    });
    it('should agree with a model of the window, in steps of a second, over 4 minutes of random requests', async () => {
      const s = setup();
      const rpm = 12;
      const u = user({ rpm });
      const random = seededRandom(32);
      // A request counts while its second is at most 60 s older than the current one.
      const admittedAt: number[] = [];
      const counted = (now: number) =>
        admittedAt.filter((at) => Math.floor(at / 1_000) >= Math.floor(now / 1_000) - 60);
      const end = s.clock.value + 4 * 60_000;
      let refusals = 0;
      while (s.clock.value < end) {
        s.clock.advance(Math.floor(random() * 4_000));
        const now = s.clock.value;
        const before = counted(now);
        const result = await admit(random() < 0.5 ? s.a : s.b, [u]);
        if (before.length < rpm) {
          expect(result.ok).toBe(true);
          admittedAt.push(now);
          expect(result.headers['x-ratelimit-remaining-requests']).toBe(
            String(rpm - before.length - 1),
          );
        } else {
          refusals += 1;
          // It fits once the oldest of the counted requests that are one too many has left.
          const leaves = (Math.floor(before[before.length - rpm] / 1_000) + 61) * 1_000;
          expect(result).toMatchObject({
            ok: false,
            kind: 'rate',
            retryAfterSeconds: Math.max(1, Math.ceil((leaves - now) / 1_000)),
          });
        }
        const usage = await s.b.windowUsage(u);
        expect(usage?.requests.usedLastMinute).toBe(counted(now).length);
      }
      // Both sides of the limit were reached, and the hash holds at most a minute of seconds.
      expect(refusals).toBeGreaterThan(10);
      expect(admittedAt.length).toBeGreaterThan(3 * rpm);
      expect(await redisA.hlen(`${s.prefix}user:${u.id}:rate`)).toBeLessThanOrEqual(61 + 2);
    });

    it('should take back a withdrawn admission, and nothing once its second has left the window', async () => {
      const s = setup();
      const u = user({ rpm: 1 });
      const ahead = admitted(await admit(s.a, [u]));
      expect(await s.a.withdraw(ahead)).toBe(true);
      const used = admitted(await admit(s.b, [u]));
      expect((await admit(s.a, [u])).ok).toBe(false);
      // Withdrawn after its second slid out: no negative count lets a second request through.
      s.clock.advance(61_000);
      admitted(await admit(s.a, [u]));
      expect(await s.b.withdraw(used)).toBe(true);
      expect(await admit(s.a, [u])).toMatchObject({ ok: false, kind: 'rate' });
      const rate = await redisA.hgetall(`${s.prefix}user:${u.id}:rate`);
      expect(Object.values(rate).every((value) => Number(value) >= -1)).toBe(true);
      expect(rate['-1']).toBe('1');
    });

    it("should count the requests a previous release's replicas put in the rpm zset (rolling upgrade)", async () => {
      const s = setup();
      const u = user({ rpm: 3 });
      const legacy = `${s.prefix}user:${u.id}:rpm`;
      const now = s.clock.value;
      // As that release wrote them: one entry per request, scored by its admission instant.
      await redisA.zadd(legacy, now - 30_000, 'old-in', now - 60_000, 'old-out');
      admitted(await admit(s.a, [u]));
      admitted(await admit(s.b, [u]));
      // Where the old entries stand in time is not read: no retry-after is promised.
      expect(await admit(s.a, [u])).toMatchObject({
        ok: false,
        kind: 'rate',
        retryAfterSeconds: null,
      });
      expect((await s.a.windowUsage(u))?.requests.usedLastMinute).toBe(3);
      // This release never writes the zset.
      expect(await redisA.zcard(legacy)).toBe(2);
      s.clock.advance(30_000);
      admitted(await admit(s.a, [u]));
    });
  });

  describe('concurrency', () => {
    it('should refuse beyond the limit and admit again after a release', async () => {
      const s = setup();
      const u = user({ concurrentSessions: 2 });
      const first = admitted(await admit(s.a, [u]));
      admitted(await admit(s.b, [u]));
      expect(await admit(s.a, [u])).toMatchObject({
        ok: false,
        kind: 'concurrency',
        scope: 'user',
        retryAfterSeconds: null,
      });
      expect(await s.b.release(first)).toBe(true);
      admitted(await admit(s.a, [u]));
      expect((await admit(s.a, [u])).ok).toBe(false);
    });

    it('should count an admission resent after a reconnect once: one rpm entry, slot and reservation', async () => {
      const s = setup();
      const u = user({ rpm: 2, concurrentSessions: 2, usdDaily: '1' });
      const firstResult = await admit(s.a, [u], '0.4', 'resent-1');
      expect(firstResult.headers['x-ratelimit-remaining-requests']).toBe('1');
      const first = admitted(firstResult);
      // ioredis sends the same admission again (another replica's connection, a later turn): it
      // is admitted, and neither takes another slot or rpm entry nor reserves twice.
      s.clock.advance(1_000);
      const resent = await admit(s.b, [u], '0.4', 'resent-1');
      expect(resent.ok).toBe(true);
      expect(resent.headers['x-ratelimit-remaining-requests']).toBe('1');
      // 0.4 of 1 is reserved, so a second request of 0.6 fits; a third is one too many a minute.
      const second = admitted(await admit(s.a, [u], '0.6'));
      expect(await admit(s.b, [u], '0')).toMatchObject({ ok: false, kind: 'rate' });
      expect(await s.a.release(first)).toBe(true);
      expect(await s.a.release(second)).toBe(true);
      // Released once, the resent admission holds nothing: both slots and 1 of 1 are free again
      // (and both requests out of the window, a minute after their second).
      s.clock.advance(61_000);
      admitted(await admit(s.a, [u], '0.5'));
      admitted(await admit(s.b, [u], '0.5'));
    });

    it('should free the slots and reservations of a crashed gateway after the safety TTL', async () => {
      const s = setup({ reservationTtlMs: 60_000 });
      const u = user({ concurrentSessions: 1, usdDaily: '1' });
      admitted(await admit(s.a, [u], '0.8')); // never settled: its gateway died
      expect(await admit(s.b, [u], '0.1')).toMatchObject({ kind: 'concurrency' });
      s.clock.advance(59_999);
      expect(await admit(s.b, [u], '0.1')).toMatchObject({ kind: 'concurrency' });
      s.clock.advance(1);
      const later = admitted(await admit(s.b, [u], '0.8'));
      const usage = await s.a.windowUsage(u);
      expect(usage?.windows.daily).toMatchObject({ spent: '0', reserved: '0.8' });
      expect(usage?.concurrency).toEqual({ limit: 1, inFlight: 1 });
      await s.b.settle(later, '0.5');
    });
  });

  describe('budgets', () => {
    it('should admit at most the reservations that fit among 64 concurrent admits', async () => {
      const s = setup();
      const u = user({ usdDaily: '1.00' });
      const key: LimitScope = { kind: 'key', id: randomUUID(), limits: {} };
      // Each reserves $0.1: exactly 10 fit in $1 ("would exceed" refuses the 11th).
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) => admit(i % 2 === 0 ? s.a : s.b, [u, key], '0.1')),
      );
      const ok = results.filter((result) => result.ok);
      expect(ok).toHaveLength(10);
      for (const result of results.filter((r) => !r.ok)) {
        expect(result).toMatchObject({ kind: 'budget', scope: 'user', window: 'daily' });
      }
      // Reserved never exceeds the limit, and settling at the reservation lands exactly on it.
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        spent: '0',
        reserved: '1',
        remaining: '0',
      });
      for (const result of ok) {
        if (result.ok) await s.b.settle(result.reservation, '0.1');
      }
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        spent: '1',
        reserved: '0',
        remaining: '0',
      });
      expect((await admit(s.a, [u], '0.000001')).ok).toBe(false);
      expect((await admit(s.a, [u], '0')).ok).toBe(true);
    });

    it('should replace the reservation with the actual cost on settle, once', async () => {
      const s = setup();
      const u = user({ usdDaily: '1' });
      const first = admitted(await admit(s.a, [u], '0.6'));
      const refused = await admit(s.a, [u], '0.6');
      expect(refused).toMatchObject({ ok: false, kind: 'budget', window: 'daily' });
      expect(await s.b.settle(first, '0.2')).toBe(true);
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        limit: '1',
        spent: '0.2',
        reserved: '0',
        remaining: '0.8',
      });
      // A second settle (retry, duplicate event) changes nothing.
      expect(await s.a.settle(first, '0.2')).toBe(false);
      expect(await s.a.release(first)).toBe(false);
      expect((await s.a.windowUsage(u))?.windows.daily.spent).toBe('0.2');
      // The reservation it deleted says so: no marker per request is left behind.
      expect(await redisA.exists(`${s.prefix}done:${first.requestId}`)).toBe(0);
      const second = admitted(await admit(s.a, [u], '0.6'));
      expect(second.reservedMicros).toBe('600000');
      expect((await admit(s.a, [u], '0.200001')).ok).toBe(false);
      expect((await admit(s.a, [u], '0.2')).ok).toBe(true);
    });

    it('should settle a degraded reservation once, by a marker that expires', async () => {
      const s = setup();
      const u = user({ usdDaily: '1' });
      await admit(s.a, [u], '0'); // the scope's baseline
      // Admitted while Redis failed: nothing of it is in Redis.
      const degraded: LimitsReservation = {
        requestId: `degraded-${randomUUID()}`,
        admittedAt: s.clock.value,
        scopes: [{ kind: 'user', id: u.id }],
        reservedMicros: '0',
        degraded: true,
      };
      expect(await s.a.settle(degraded, '0.3')).toBe(true);
      expect(await s.b.settle(degraded, '0.3')).toBe(false);
      expect((await s.a.windowUsage(u))?.windows.daily.spent).toBe('0.3');
      const markerTtl = await redisA.pttl(`${s.prefix}done:${degraded.requestId}`);
      expect(markerTtl).toBeGreaterThan(SETTLED_MARKER_TTL_MS - 60_000);
      expect(markerTtl).toBeLessThanOrEqual(SETTLED_MARKER_TTL_MS);
    });

    it('should settle an admission of no scope once, charging the provider that served', async () => {
      const s = setup();
      const provider: LimitScope = {
        kind: 'provider',
        id: randomUUID(),
        limits: { usdDaily: '5' },
      };
      await s.a.exhaustedProviders([provider]); // the provider's baseline
      const bare = admitted(await admit(s.a, [], '0.5'));
      expect(bare.scopes).toEqual([]);
      expect(await s.a.settle(bare, '0.25', { providerId: provider.id })).toBe(true);
      expect(await s.b.settle(bare, '0.25', { providerId: provider.id })).toBe(false);
      expect((await s.a.windowUsage(provider))?.windows.daily.spent).toBe('0.25');
    });

    it('should count a request settled twice in one turn once', async () => {
      const s = setup();
      const u = user({ usdDaily: '1' });
      const r = admitted(await admit(s.a, [u], '0.5'));
      // Same engine, same turn: both settlements go in one script call.
      const both = await Promise.all([s.a.settle(r, '0.2'), s.a.settle(r, '0.2')]);
      expect(both.sort()).toEqual([false, true]);
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        spent: '0.2',
        reserved: '0',
      });
      expect(await redisA.hgetall(`${s.prefix}user:${u.id}:resv`)).toEqual({ sum: '0' });
    });

    it('should still charge, once, a request whose expired slot was swept before it settled', async () => {
      const s = setup({ reservationTtlMs: 60_000 });
      const u = user({ usdDaily: '1' });
      const slow = admitted(await admit(s.a, [u], '0.4'));
      s.clock.advance(60_000);
      // Another admission of the scope sweeps the expired slot and gives its reservation back.
      const next = admitted(await admit(s.b, [u], '0.1'));
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({ reserved: '0.1' });
      expect(await s.a.settle(slow, '0.4')).toBe(true);
      expect(await s.b.settle(slow, '0.4')).toBe(false);
      await s.b.settle(next, '0.1');
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        spent: '0.5',
        reserved: '0',
      });
      // The sweep's mark went with the settlement: nothing of either request is left.
      expect(await redisA.hgetall(`${s.prefix}user:${u.id}:resv`)).toEqual({ sum: '0' });
    });

    it('should reserve once for a scope given twice', async () => {
      const s = setup();
      const u = user({ usdDaily: '1' });
      const r = admitted(await admit(s.a, [u, u], '0.6'));
      expect(r.scopes).toHaveLength(1);
      await s.a.settle(r, '0.1');
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({
        spent: '0.1',
        reserved: '0',
      });
    });

    it('should charge every window and report them with headers', async () => {
      const s = setup();
      const limits = {
        usd5h: '5',
        usdDaily: '10',
        usdWeekly: '20',
        usdMonthly: '40',
        usdTotal: '80',
      };
      const u = user(limits);
      const r = admitted(await admit(s.a, [u], '1.5'));
      await s.a.settle(r, '1.234567');
      const next = await admit(s.a, [u], '0.5');
      expect(next.ok).toBe(true);
      expect(next.headers).toMatchObject({
        'x-ratelimit-limit-usd-5h': '5',
        'x-ratelimit-remaining-usd-5h': '3.265433',
        'x-ratelimit-remaining-usd-daily': '8.265433',
        'x-ratelimit-remaining-usd-weekly': '18.265433',
        'x-ratelimit-remaining-usd-monthly': '38.265433',
        'x-ratelimit-remaining-usd-total': '78.265433',
        // 2024-03-13T10:00Z: 14 h to midnight UTC.
        'x-ratelimit-reset-usd-daily': `${14 * 3600}s`,
      });
      const usage = await s.a.windowUsage(u);
      expect(usage?.windows.total).toEqual({
        limit: '80',
        spent: '1.234567',
        reserved: '0.5',
        remaining: '78.265433',
        resetsAt: null,
      });
      expect(usage?.windows.weekly.resetsAt?.toISOString()).toBe('2024-03-18T00:00:00.000Z');
      expect(usage?.windows['5h'].resetsAt?.toISOString()).toBe('2024-03-13T15:00:00.000Z');
    });

    it("should report each scope's own spend, whatever the scopes of the others in its batch", async () => {
      const s = setup();
      const u = user({ usdDaily: '100' });
      const k: LimitScope = { kind: 'key', id: randomUUID(), limits: { usdDaily: '10' } };
      await s.a.settle(admitted(await admit(s.a, [k], '8')), '8'); // the key alone spent 8
      // One turn, one script call: the scopes in two orders, and the key alone. Nothing is
      // reserved, so what each may still spend does not depend on the order within the call.
      const answers = await Promise.all([
        admit(s.a, [u, k], '0'),
        admit(s.a, [k, u], '0'),
        admit(s.a, [k], '0'),
        admit(s.a, [u], '0'),
      ]);
      // The key is the tighter scope where it is one: 10 − 8; the user alone: 100.
      expect(answers.map((answer) => answer.headers['x-ratelimit-remaining-usd-daily'])).toEqual([
        '2',
        '2',
        '2',
        '100',
      ]);
      expect((await s.a.windowUsage(k))?.windows.daily).toMatchObject({ spent: '8' });
    });

    it('should keep amounts far above 2^32 micro-dollars exact in every window', async () => {
      // The scripts write sums back as text: an amount must never turn into exponent notation or
      // lose digits on the way (4,000,000,123.456789 USD is ~2^52 micro-dollars).
      const s = setup();
      const limits = { usd5h: '9000000000', usdDaily: '9000000000', usdTotal: '9000000000' };
      const u = user(limits);
      const first = admitted(await admit(s.a, [u], '4000000123.456789'));
      const second = admitted(await admit(s.b, [u], '1000000000.000001'));
      expect(await s.a.settle(first, '4000000123.456789')).toBe(true);
      expect(await s.b.settle(second, '999999999.999999')).toBe(true);
      const usage = await s.a.windowUsage(u);
      expect(usage?.windows['5h']).toMatchObject({ spent: '5000000123.456788', reserved: '0' });
      expect(usage?.windows.daily).toMatchObject({ spent: '5000000123.456788', reserved: '0' });
      expect(usage?.windows.total).toMatchObject({
        spent: '5000000123.456788',
        remaining: '3999999876.543212',
      });
      const next = await admit(s.a, [u], '3999999876.543212');
      expect(next.ok).toBe(true);
      expect(next.headers).toMatchObject({ 'x-ratelimit-remaining-usd-total': '0' });
      expect(await admit(s.b, [u], '0.000001')).toMatchObject({ ok: false, kind: 'budget' });
    });

    it('should reset the daily budget at local midnight of the configured zone', async () => {
      // 23:59 in New York (EDT, UTC-4) is 03:59 UTC the next day.
      const clock = new ManualClock(Date.parse('2024-06-11T03:59:00Z'));
      const s = setup({ timeZone: 'America/New_York' }, clock);
      const u = user({ usdDaily: '1', usdWeekly: '5' });
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '1');
      const refused = await admit(s.a, [u], '0.01');
      expect(refused).toMatchObject({ kind: 'budget', window: 'daily', retryAfterSeconds: 60 });
      clock.value = Date.parse('2024-06-11T03:59:59.999Z');
      expect((await admit(s.a, [u], '0.01')).ok).toBe(false);
      clock.value = Date.parse('2024-06-11T04:00:00Z'); // local midnight
      const fresh = admitted(await admit(s.b, [u], '1'));
      // The week (from Monday 2024-06-10 local) still holds yesterday's dollar.
      expect((await s.a.windowUsage(u))?.windows).toMatchObject({
        daily: { spent: '0', reserved: '1' },
        weekly: { spent: '1', reserved: '1', remaining: '3' },
      });
      // Spend is charged to the day the request started in, even if it settles later.
      clock.advance(3_600_000);
      await s.a.settle(fresh, '0.4');
      expect((await s.a.windowUsage(u))?.windows.daily.spent).toBe('0.4');
    });

    it('should slide spend out of the rolling 5 h window', async () => {
      const s = setup();
      const u = user({ usd5h: '1' });
      const start = s.clock.value; // on a 5-minute boundary
      await s.a.settle(admitted(await admit(s.a, [u], '0.5')), '0.5');
      s.clock.advance(60 * 60_000);
      await s.a.settle(admitted(await admit(s.a, [u], '0.5')), '0.5');
      // Needs 0.3: the first half-dollar must leave, 5 h after its bucket.
      expect(await admit(s.a, [u], '0.3')).toMatchObject({
        kind: 'budget',
        window: '5h',
        retryAfterSeconds: 4 * 3600,
      });
      // More than the whole limit can never fit.
      expect(await admit(s.a, [u], '1.01')).toMatchObject({ retryAfterSeconds: null });
      s.clock.value = start + 5 * 3_600_000 - 1;
      expect((await admit(s.a, [u], '0.3')).ok).toBe(false);
      s.clock.value = start + 5 * 3_600_000;
      expect((await admit(s.a, [u], '0.5')).ok).toBe(true);
    });

    it('should agree with a model of the 5 h window over 12 h of random charges', async () => {
      // Admission reads the hash's sum and oldest bucket (fields -1, -2), not its buckets. This
      // walks enough time for buckets to slide out one by one and all at once, settles late
      // (after the admission's bucket closed) and out of order, through either replica, and
      // drops the aggregates now and then (as a replica of the previous release does) to force
      // a recount.
      const s = setup();
      const limitMicros = 1_000_000_000n;
      const u = user({ usd5h: microsToUsd(limitMicros) });
      const rollKey = `${s.prefix}user:${u.id}:roll`;
      const random = seededRandom(7);
      const bucketMs = 5 * 60_000;
      const charged = new Map<number, bigint>(); // bucket → micro-dollars
      const modelSpent = (): { sum: bigint; low: number } => {
        const oldest = Math.floor(s.clock.value / bucketMs) - 59;
        let sum = 0n;
        let low = -1;
        for (const [bucket, amount] of charged) {
          if (bucket < oldest) continue;
          sum += amount;
          if (low < 0 || bucket < low) low = bucket;
        }
        return { sum, low };
      };
      const held: LimitsReservation[] = [];
      const settle = async (reservation: LimitsReservation): Promise<void> => {
        const amount = BigInt(1 + Math.floor(random() * 5_000_000));
        await (random() < 0.5 ? s.a : s.b).settle(reservation, microsToUsd(amount));
        const bucket = Math.floor(reservation.admittedAt / bucketMs);
        if (bucket >= Math.floor(s.clock.value / bucketMs) - 59) {
          charged.set(bucket, (charged.get(bucket) ?? 0n) + amount);
        }
      };
      for (let step = 0; step < 200; step += 1) {
        const gap =
          random() < 0.05 ? 3 * 3_600_000 + random() * 3 * 3_600_000 : random() * 20 * 60_000;
        s.clock.advance(Math.floor(gap));
        const admission = await admit(step % 3 === 0 ? s.b : s.a, [u]);
        const expected = modelSpent();
        expect({ step, remaining: admission.headers['x-ratelimit-remaining-usd-5h'] }).toEqual({
          step,
          remaining: microsToUsd(limitMicros - expected.sum),
        });
        held.push(admitted(admission));
        if (random() < 0.2) s.clock.advance(Math.floor(random() * 2 * bucketMs)); // settles late
        // Mostly the request just admitted; sometimes an older one, after newer buckets.
        while (held.length > (random() < 0.3 ? 0 : 1) || (held.length > 0 && random() < 0.7)) {
          const [reservation] = held.splice(Math.floor(random() * held.length), 1);
          await settle(reservation);
        }
        // Whenever the aggregates are there, they describe the buckets stored next to them.
        // Every field is an integer, as the previous release expects (rolling upgrades).
        const hash = await redisA.hgetall(rollKey);
        expect(Object.keys(hash).filter((field) => !/^-?\d+$/.test(field))).toEqual([]);
        if (hash['-1'] !== undefined) {
          const buckets = Object.entries(hash).filter(([field]) => /^\d+$/.test(field));
          const positive = buckets
            .filter(([, value]) => BigInt(value) > 0n)
            .map(([b]) => Number(b));
          expect({ step, sum: hash['-1'], low: hash['-2'] }).toEqual({
            step,
            sum: buckets.reduce((total, [, value]) => total + BigInt(value), 0n).toString(),
            low: String(positive.length > 0 ? Math.min(...positive) : -1),
          });
        }
        if (random() < 0.1) await redisA.hdel(rollKey, '-1', '-2');
      }
      for (const reservation of held) await settle(reservation);
      const usage = await s.a.windowUsage(u);
      const expected = modelSpent();
      expect(usage?.windows['5h'].spent).toBe(microsToUsd(expected.sum));
      expect(usage?.windows['5h'].resetsAt?.getTime() ?? null).toBe(
        expected.low < 0 ? null : (expected.low + 60) * bucketMs,
      );
    });
  });

  describe('key lifetimes', () => {
    const DAY_MS = 24 * 3_600_000;

    async function ttlsOf(pattern: string): Promise<Map<string, number>> {
      const keys = await redisA.keys(pattern);
      const ttls = await Promise.all(keys.map((key) => redisA.pttl(key)));
      return new Map(keys.map((key, index) => [key, ttls[index] ?? -2]));
    }

    it('should leave no spend counter of a scope without an expiry, whatever settles it', async () => {
      const s = setup();
      const u = user({ usdDaily: '100', rpm: 100, concurrentSessions: 5 });
      for (let i = 0; i < 3; i += 1) {
        await s.a.settle(admitted(await admit(i === 1 ? s.b : s.a, [u], '1')), '0.25');
      }
      const ttls = await ttlsOf(`${s.prefix}user:${u.id}:*`);
      expect([...ttls.keys()].some((key) => key.includes(':day:'))).toBe(true);
      for (const [key, ttl] of ttls)
        expect({ key, expires: ttl > 0 }).toEqual({ key, expires: true });
      // The day counter lives until its window ends (14 h after the clock's 10:00 UTC) plus a
      // grace hour: fixed by the window, not by when it was last charged.
      const day = [...ttls].find(([key]) => key.includes(':day:'))?.[1] ?? 0;
      expect(day).toBeGreaterThan(14 * 3_600_000);
      expect(day).toBeLessThanOrEqual(15 * 3_600_000);
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({ spent: '0.75' });

      // The next day's counters are created by a charge, not by the baseline: they expire too.
      s.clock.advance(DAY_MS);
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.25');
      const nextDay = await ttlsOf(`${s.prefix}user:${u.id}:*`);
      expect(nextDay.size).toBeGreaterThan(ttls.size);
      for (const [key, ttl] of nextDay) {
        expect({ key, expires: ttl > 0 }).toEqual({ key, expires: true });
      }
      expect((await s.a.windowUsage(u))?.windows.daily).toMatchObject({ spent: '0.25' });
    });

    it('should expire the rate, slot and reservation keys it creates, refreshing them every 10 s', async () => {
      const s = setup();
      const u = user({ rpm: 100, concurrentSessions: 5 });
      const keys = ['rate', 'inflight', 'resv'].map((part) => `${s.prefix}user:${u.id}:${part}`);
      const ttls = () => Promise.all(keys.map((key) => redisA.pttl(key)));
      const held = admitted(await admit(s.a, [u], '1'));
      // The rate hash outlives its 60 s window, the slots their 30 min, by twice the interval.
      const [rpm, inflight, resv] = await ttls();
      expect(rpm).toBeGreaterThan(75_000);
      expect(rpm).toBeLessThanOrEqual(80_000);
      for (const ttl of [inflight, resv]) {
        expect(ttl).toBeGreaterThan(30 * 60_000 + 15_000);
        expect(ttl).toBeLessThanOrEqual(30 * 60_000 + 20_000);
      }

      // Within the interval, adding to keys that exist leaves their TTLs alone.
      await Promise.all(keys.map((key) => redisA.pexpire(key, 5_000)));
      s.clock.advance(4_000);
      const second = admitted(await admit(s.a, [u], '1'));
      for (const ttl of await ttls()) expect(ttl).toBeLessThanOrEqual(5_000);
      // After it, the next admission refreshes them.
      s.clock.advance(6_001);
      const third = admitted(await admit(s.a, [u], '1'));
      for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(60_000);

      // Keys gone between two refreshes (expired, or lost) are created with a TTL all the same.
      for (const reservation of [held, second, third]) await s.a.settle(reservation, '0.5');
      await redisA.del(...keys);
      s.clock.advance(1_000);
      admitted(await admit(s.a, [u], '1'));
      for (const [index, ttl] of (await ttls()).entries()) {
        expect({ key: keys[index], expires: ttl > 60_000 }).toEqual({
          key: keys[index],
          expires: true,
        });
      }
    });

    it('should give the slot key its TTL again at one request at a time, and leave the reservation hash alone', async () => {
      const s = setup();
      const u = user({ rpm: 100, concurrentSessions: 5, usdDaily: '100' });
      const [inflightKey, resvKey] = ['inflight', 'resv'].map(
        (part) => `${s.prefix}user:${u.id}:${part}`,
      );
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.5');
      // The settlement took the last slot (the zset is gone); the hash keeps its sum.
      expect(await redisA.exists(inflightKey)).toBe(0);
      expect(await redisA.hget(resvKey, 'sum')).toBe('0');
      await redisA.pexpire(resvKey, 5_000);
      s.clock.advance(1_000);
      const next = admitted(await admit(s.a, [u], '1'));
      // The slot key, created again, expires with the slot TTL; the hash keeps the TTL it had.
      expect(await redisA.pttl(inflightKey)).toBeGreaterThan(30 * 60_000);
      expect(await redisA.pttl(resvKey)).toBeLessThanOrEqual(5_000);
      await s.a.settle(next, '0.5');
    });

    it("should not shorten the rolling window's lifetime when an older admission settles late", async () => {
      const s = setup();
      const u = user({ usd5h: '100' });
      const long = admitted(await admit(s.a, [u], '1')); // a long stream, settled last
      s.clock.advance(12 * 60_000); // two 5-minute buckets later
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.25');
      const [roll] = await redisA.keys(`${s.prefix}user:${u.id}:roll`);
      const before = await redisA.pttl(roll ?? '');
      // The newest bucket's spend must last until that bucket leaves the window (5 h after it).
      expect(before).toBeGreaterThan(5 * 3_600_000 - 60_000);

      await s.a.settle(long, '0.5');
      // Charging the older bucket must not bring the hash's expiry forward (it did by 10 min).
      expect(await redisA.pttl(roll ?? '')).toBeGreaterThan(before - 5_000);
      expect((await s.a.windowUsage(u))?.windows['5h']).toMatchObject({ spent: '0.75' });
    });

    it('should keep the markers of every charged scope alive, refreshing at most once a minute', async () => {
      const s = setup();
      const u = user({ usdDaily: '100' });
      const p: LimitScope = { kind: 'provider', id: randomUUID(), limits: { usdDaily: '50' } };
      await s.b.exhaustedProviders([p]); // loads the provider's baseline (its marker)
      const longLived = [
        `${s.prefix}user:${u.id}:base`,
        `${s.prefix}user:${u.id}:total`,
        `${s.prefix}provider:${p.id}:base`,
        `${s.prefix}provider:${p.id}:total`,
      ];
      const ttls = async () => {
        const entries = await Promise.all(
          longLived.map(async (key) => [key.slice(s.prefix.length), await redisA.pttl(key)]),
        );
        return Object.fromEntries(entries) as Record<string, number>;
      };
      const shorten = () => Promise.all(longLived.map((key) => redisA.pexpire(key, 60_000)));
      // Loads the user's baseline and charges the provider once: both refreshed by replica a.
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.5', { providerId: p.id });
      await shorten();
      // Within the minute, replica a leaves them alone: the TTLs stay where they were put.
      s.clock.advance(30_000);
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.5', { providerId: p.id });
      for (const [key, ttl] of Object.entries(await ttls())) {
        expect({ key, refreshed: ttl > 60_000 }).toEqual({ key, refreshed: false });
      }
      // A minute after the last refresh: the user (admitted) and the provider (only charged) are.
      s.clock.advance(31_000);
      await s.a.settle(admitted(await admit(s.a, [u], '1')), '0.5', { providerId: p.id });
      for (const [key, ttl] of Object.entries(await ttls())) {
        expect({ key, refreshed: ttl > 30 * DAY_MS }).toEqual({ key, refreshed: true });
      }
      expect((await s.a.windowUsage(p))?.windows.daily).toMatchObject({ spent: '1.5' });
    });
  });

  describe('providers', () => {
    it('should list exhausted providers and charge the provider that finally served', async () => {
      const s = setup();
      const u = user({});
      const p1: LimitScope = { kind: 'provider', id: randomUUID(), limits: { usdDaily: '1' } };
      const p2: LimitScope = { kind: 'provider', id: randomUUID(), limits: { usdMonthly: '2' } };
      const p3: LimitScope = { kind: 'provider', id: randomUUID(), limits: { rpm: 5 } };
      // Routing reads the providers' budgets first (which loads their baselines).
      expect(await s.b.exhaustedProviders([p1, p2, p3])).toEqual(new Set());
      // Admitted against p1, failed over to p2, which is charged instead.
      const failedOver = admitted(await admit(s.a, [u, p1], '0.5'));
      await s.a.settle(failedOver, '2', { providerId: p2.id });
      expect(await s.b.exhaustedProviders([p1, p2, p3])).toEqual(new Set([p2.id]));
      expect((await s.a.windowUsage(p1))?.windows.daily).toMatchObject({
        spent: '0',
        reserved: '0',
      });

      await s.a.settle(admitted(await admit(s.a, [u, p1], '0.5')), '1');
      expect(await s.b.exhaustedProviders([p1, p2, p3])).toEqual(new Set([p1.id, p2.id]));
      expect(await admit(s.a, [u, p1], '0.01')).toMatchObject({
        kind: 'budget',
        scope: 'provider',
      });
      // p1's day is over; p2's month is not.
      s.clock.value = Date.parse('2024-03-14T00:00:00Z');
      expect(await s.b.exhaustedProviders([p1, p2, p3])).toEqual(new Set([p2.id]));
      expect(await s.b.exhaustedProviders([])).toEqual(new Set());
    });
  });

  describe('rebuild from the ledger', () => {
    async function insertUsage(
      scope: { userId: string; keyId: string; providerId: string },
      createdAt: string,
      costUsd: string | null,
    ): Promise<void> {
      await db.query(
        `INSERT INTO usage_records (request_id, user_id, api_key_id, provider_id, client_protocol,
           client_name, requested_model, status, cost_usd, created_at)
         VALUES ($1, $2, $3, $4, 'anthropic', 'sdk', 'm', 'success', $5, $6)`,
        [randomUUID(), scope.userId, scope.keyId, scope.providerId, costUsd, createdAt],
      );
    }

    function rebuilder(counter: { queries: number }): LimitsLedgerRebuilder {
      return new LimitsLedgerRebuilder(async (sql, parameters) => {
        counter.queries += 1;
        return (await db.query(sql, parameters)).rows as unknown[];
      });
    }

    it('should rebuild every window from usage_records after Redis loses its data', async () => {
      const counter = { queries: 0 };
      const clock = new ManualClock(Date.parse('2024-03-13T10:00:00Z')); // a Wednesday
      const s = setup({ baselineSource: rebuilder(counter) }, clock);
      const ids = { userId: randomUUID(), keyId: randomUUID(), providerId: randomUUID() };
      await insertUsage(ids, '2024-02-20T12:00:00Z', '100.0000000001'); // earlier month
      await insertUsage(ids, '2024-03-05T12:00:00Z', '10'); // this month, earlier week
      await insertUsage(ids, '2024-03-11T12:00:00Z', '1'); // this week, earlier day
      await insertUsage(ids, '2024-03-13T04:00:00Z', '0.25'); // today, beyond 5 h
      await insertUsage(ids, '2024-03-13T08:00:00Z', '0.125'); // within 5 h
      await insertUsage(ids, '2024-03-13T09:59:00Z', '0.0625'); // within 5 h
      await insertUsage(ids, '2024-03-13T09:59:00Z', null); // unpriced
      const u = user({ usd5h: '0.5', usdDaily: '1', usdTotal: '200' }, ids.userId);

      const expected = {
        '5h': '0.1875',
        daily: '0.4375',
        weekly: '1.4375',
        monthly: '11.4375',
        total: '111.4375',
      };
      const spentOf = async (engine: LimitsEngine) => {
        const usage = await engine.windowUsage(u);
        return Object.fromEntries(
          Object.entries(usage?.windows ?? {}).map(([window, value]) => [window, value.spent]),
        );
      };
      // First touch: rebuilt from the ledger.
      expect(await spentOf(s.a)).toEqual(expected);
      expect(counter.queries).toBe(1);
      expect(await admit(s.a, [u], '0.32')).toMatchObject({ kind: 'budget', window: '5h' });
      const r = admitted(await admit(s.b, [u], '0.3'));
      expect(counter.queries).toBe(1);
      await s.b.settle(r, '0.3');
      await insertUsage(ids, '2024-03-13T10:00:00Z', '0.3'); // the worker writes the ledger row

      // Redis restarts without persistence: everything is gone.
      await redisA.flushdb();
      clock.advance(60_000);
      expect(await spentOf(s.b)).toEqual({
        '5h': '0.4875',
        daily: '0.7375',
        weekly: '1.7375',
        monthly: '11.7375',
        total: '111.7375',
      });
      expect(counter.queries).toBe(2);
      expect(await admit(s.a, [u], '0.02')).toMatchObject({ kind: 'budget', window: '5h' });
      expect((await admit(s.a, [u], '0.0125')).ok).toBe(true);
      expect(counter.queries).toBe(2);
    });

    it('should let concurrent gateways agree on one baseline, one query per gateway', async () => {
      const counter = { queries: 0 };
      const s = setup({ baselineSource: rebuilder(counter) });
      const ids = { userId: randomUUID(), keyId: randomUUID(), providerId: randomUUID() };
      await insertUsage(ids, '2024-03-13T09:00:00Z', '0.5');
      const u = user({ usdDaily: '1' }, ids.userId);
      const key: LimitScope = { kind: 'key', id: ids.keyId, limits: { usdDaily: '0.9' } };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => admit(i % 2 === 0 ? s.a : s.b, [u, key], '0.1')),
      );
      // $0.5 already spent by the key: four reservations of $0.1 fit under its $0.9.
      expect(results.filter((result) => result.ok)).toHaveLength(4);
      // Two scopes, two gateways: at most one ledger query per scope per gateway.
      expect(counter.queries).toBeLessThanOrEqual(4);
      expect((await s.a.windowUsage(key))?.windows.daily).toMatchObject({ spent: '0.5' });
    });

    it('should fail open, or closed, when the ledger cannot be read on first touch', async () => {
      const failing = { load: () => Promise.reject(new Error('postgres down')) };
      const open = setup({ baselineSource: failing });
      const u = user({ usdDaily: '1', concurrentSessions: 1 });
      const result = await admit(open.a, [u], '0.5');
      expect(result.ok).toBe(true);
      // Concurrency still holds without a baseline.
      expect(await admit(open.a, [u], '0.5')).toMatchObject({ kind: 'concurrency' });
      expect(unexpectedErrors.map((e) => e.operation)).toEqual(['rebuild', 'rebuild']);
      unexpectedErrors = [];

      const closed = setup({ baselineSource: failing, failOpen: false });
      expect(await admit(closed.a, [u], '0.5')).toMatchObject({ ok: false, kind: 'unavailable' });
      unexpectedErrors = [];
    });
  });

  describe('Redis unavailable', () => {
    function unreachable(): Redis {
      const client = new Redis('redis://127.0.0.1:1', {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      return client;
    }

    it('should fail open by default and closed on request, reporting every error', async () => {
      const client = unreachable();
      const errors: Array<[LimitsOperation, LimitScopeRef | null]> = [];
      const onError: LimitsEngineOptions['onError'] = (_error, operation, scope) =>
        errors.push([operation, scope]);
      const u = user({ rpm: 1, usdDaily: '1' });
      try {
        const open = new LimitsEngine(client, { onError });
        const result = await open.admit({ requestId: 'r', scopes: [u], reserveUsd: '0.1' });
        expect(result).toMatchObject({ ok: true, reservation: { degraded: true } });
        if (result.ok) {
          await expect(open.settle(result.reservation, '0.1')).resolves.toBe(false);
        }
        await expect(
          open.exhaustedProviders([{ id: 'p', limits: { usdDaily: '0' } }]),
        ).resolves.toEqual(new Set());
        await expect(open.windowUsage(u)).resolves.toBeNull();

        const closed = new LimitsEngine(client, { onError, failOpen: false });
        expect(await closed.admit({ requestId: 'r2', scopes: [u], reserveUsd: '0.1' })).toEqual({
          ok: false,
          kind: 'unavailable',
          retryAfterSeconds: 5,
          headers: {},
        });
        expect(errors.map(([operation]) => operation)).toEqual([
          'admit',
          'settle',
          'exhaustedProviders',
          'windowUsage',
          'admit',
        ]);
        // A logger that throws changes nothing.
        const noisy = new LimitsEngine(client, {
          onError: () => {
            throw new Error('logger broke');
          },
        });
        expect((await noisy.admit({ requestId: 'r3', scopes: [u], reserveUsd: '0' })).ok).toBe(
          true,
        );
      } finally {
        client.disconnect();
      }
    });

    it('should treat a malformed amount as a failure, not throw', async () => {
      const s = setup({ failOpen: false });
      const result = await s.a.admit({ requestId: 'x', scopes: [user({})], reserveUsd: '-1' });
      expect(result).toMatchObject({ ok: false, kind: 'unavailable' });
      expect(unexpectedErrors.map((e) => e.operation)).toEqual(['admit']);
      unexpectedErrors = [];
    });
  });
});
