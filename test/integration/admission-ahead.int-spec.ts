import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { coalesceWrites } from '../../src/common/redis/coalesced-writes';
import type { Limits } from '../../src/common/limits/limits';
import { AdmissionAhead, AdmissionAheadOutcome } from '../../src/limits/admission-ahead';
import { LimitsEngine } from '../../src/limits/limits-engine';
import {
  AdmitResult,
  LimitScope,
  LimitsOperation,
  LimitsReservation,
  LimitsUsage,
} from '../../src/limits/limits.types';
import { PrivateRedis, waitFor } from '../support/redis-server';
import { TEST_ENV } from '../support/test-env';

function admitted(result: AdmitResult): LimitsReservation {
  if (!result.ok) throw new Error(`expected admission, got ${JSON.stringify(result)}`);
  return result.reservation;
}

/** Rejects if `promise` has not settled within `ms`: proof that it waited for nothing. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`waited over ${ms} ms`)), ms)),
  ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AdmissionAhead (real Redis)', () => {
  let redis: Redis;
  let other: Redis;
  let errors: Array<{ operation: LimitsOperation; error: unknown }>;

  beforeAll(() => {
    redis = coalesceWrites(new Redis(TEST_ENV.REDIS_URL));
    other = coalesceWrites(new Redis(TEST_ENV.REDIS_URL));
  });

  afterAll(async () => {
    await redis.quit();
    await other.quit();
  });

  beforeEach(() => {
    errors = [];
  });

  afterEach(() => {
    expect(errors).toEqual([]);
  });

  /** An engine on its own key prefix; `client` other than `redis` is a second replica. */
  function engineOn(client: Redis, prefix: string, now: () => number = Date.now): LimitsEngine {
    return new LimitsEngine(
      client,
      { keyPrefix: prefix, onError: (error, operation) => errors.push({ operation, error }) },
      now,
    );
  }

  function scopesWith(limits: Limits): LimitScope[] {
    return [
      { kind: 'user', id: randomUUID(), limits },
      { kind: 'key', id: randomUUID(), limits: {} },
    ];
  }

  const request = (scopes: LimitScope[], reserveUsd = '0.01', now?: number) => ({
    requestId: randomUUID(),
    scopes,
    reserveUsd,
    ...(now === undefined ? {} : { now }),
  });

  /** An AdmissionAhead whose outcomes are kept, in order, in `outcomes`. */
  function recording(engine: LimitsEngine, maxAgeMs: number, maxHeld?: number) {
    const outcomes: AdmissionAheadOutcome[] = [];
    const ahead = new AdmissionAhead(engine, {
      maxAgeMs,
      ...(maxHeld === undefined ? {} : { maxHeld }),
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    return { ahead, outcomes };
  }

  async function usage(engine: LimitsEngine, scope: LimitScope): Promise<LimitsUsage> {
    const read = await engine.windowUsage(scope);
    if (!read) throw new Error('no usage');
    return read;
  }

  it('should hand the next request an admission already made, without waiting for Redis', async () => {
    const server = await PrivateRedis.start();
    const client = coalesceWrites(new Redis(server.url, { maxRetriesPerRequest: 1 }));
    try {
      const engine = engineOn(client, 'cch:test:ahead:');
      const { ahead, outcomes } = recording(engine, 5_000);
      const scopes = scopesWith({ rpm: 100, concurrentSessions: 10, usdDaily: '5' });
      const first = admitted(await ahead.admit(request(scopes)));
      await ahead.idle();
      expect(ahead.holds(scopes)).toBe(true);

      server.pause();
      try {
        // Redis answers nothing now: only an admission made beforehand can come back.
        const second = await within(ahead.admit(request(scopes)), 1_000);
        expect(second.ok).toBe(true);
        expect(admitted(second).requestId).not.toBe(first.requestId);
        // The headers of an admission made ahead are those Redis gave it, one request earlier.
        expect(second.ok && second.headers['x-ratelimit-remaining-requests']).toBe('98');
      } finally {
        server.resume();
      }
      await ahead.idle();
      await ahead.close();
      expect(outcomes).toEqual(['missing', 'taken']);
      // Two requests admitted, one settled below; nothing else held once closed.
      expect((await usage(engine, scopes[0])).requests.usedLastMinute).toBe(2);
      expect((await usage(engine, scopes[0])).concurrency.inFlight).toBe(2);
      await engine.settle(first, '0.004');
      expect((await usage(engine, scopes[0])).concurrency.inFlight).toBe(1);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('should charge a request admitted ahead like any other when it settles', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    // One held at a time, so what is reserved can be told exactly.
    const ahead = new AdmissionAhead(engine, { maxAgeMs: 5_000, maxHeld: 1 });
    const scopes = scopesWith({ usdDaily: '1' });
    await engine.settle(admitted(await ahead.admit(request(scopes))), '0.2');
    await ahead.idle();
    const second = admitted(await ahead.admit(request(scopes, '0.01')));
    expect(second.admittedAt).toBeLessThanOrEqual(Date.now());
    // While the second is in flight, the third is already held: two reservations of $0.01.
    await ahead.idle();
    expect((await usage(engine, scopes[0])).windows.daily).toMatchObject({
      spent: '0.2',
      reserved: '0.02',
    });
    expect(await engine.settle(second, '0.3')).toBe(true);
    await ahead.close();
    expect((await usage(engine, scopes[0])).windows.daily).toMatchObject({
      spent: '0.5',
      reserved: '0',
      remaining: '0.5',
    });
    expect((await usage(engine, scopes[0])).concurrency.inFlight).toBe(0);
  });

  it('should admit exactly the rpm limit to one process asking one request at a time', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const ahead = new AdmissionAhead(engine, { maxAgeMs: 5_000 });
    const scopes = scopesWith({ rpm: 10 });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 14; i += 1) {
      const result = await ahead.admit(request(scopes));
      outcomes.push(result.ok);
      if (result.ok) await engine.settle(result.reservation, '0');
      await ahead.idle();
    }
    expect(outcomes).toEqual([...Array<boolean>(10).fill(true), ...Array<boolean>(4).fill(false)]);
    expect((await usage(engine, scopes[0])).requests.usedLastMinute).toBe(10);
  });

  it('should never let two processes together pass the rpm or concurrency limit', async () => {
    const prefix = `cch:test:ahead:${randomUUID()}:`;
    const aheads = [
      new AdmissionAhead(engineOn(redis, prefix), { maxAgeMs: 5_000 }),
      new AdmissionAhead(engineOn(other, prefix), { maxAgeMs: 5_000 }),
    ];
    const engine = engineOn(redis, prefix);
    const scopes = scopesWith({ rpm: 30, concurrentSessions: 6 });
    const held: LimitsReservation[] = [];
    let callersAdmitted = 0;
    let peakInFlight = 0;
    // Rounds of concurrent requests from both processes; half of what each round admits ends.
    for (let round = 0; round < 12; round += 1) {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => aheads[i % 2].admit(request(scopes))),
      );
      for (const result of results) if (result.ok) held.push(result.reservation);
      callersAdmitted += results.filter((result) => result.ok).length;
      peakInFlight = Math.max(peakInFlight, held.length);
      for (const reservation of held.splice(0, Math.ceil(held.length / 2))) {
        await engine.settle(reservation, '0');
      }
      await Promise.all(aheads.map((ahead) => ahead.idle()));
    }
    await Promise.all(aheads.map((ahead) => ahead.close()));
    const after = await usage(engine, scopes[0]);
    expect(peakInFlight).toBeLessThanOrEqual(6);
    expect(callersAdmitted).toBeLessThanOrEqual(30);
    // Admissions made ahead and never taken are gone from the window again.
    expect(after.requests.usedLastMinute).toBe(callersAdmitted);
    // Withdrawn admissions leave no slot behind: only requests still running hold one.
    expect(after.concurrency.inFlight).toBe(held.length);
    for (const reservation of held) await engine.settle(reservation, '0');
  });

  it('should make none while a scope has room for fewer than two more requests', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const ahead = new AdmissionAhead(engine);
    const scopes = scopesWith({ concurrentSessions: 2 });
    const first = admitted(await ahead.admit(request(scopes)));
    await ahead.idle();
    expect(ahead.holds(scopes)).toBe(false);
    expect((await usage(engine, scopes[0])).concurrency.inFlight).toBe(1);
    await engine.settle(first, '0');
  });

  it('should withdraw an admission no request took, rpm entry included', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const { ahead, outcomes } = recording(engine, 150);
    const scopes = scopesWith({ rpm: 50, concurrentSessions: 5, usdDaily: '1' });
    await engine.settle(admitted(await ahead.admit(request(scopes, '0.1'))), '0.05');
    await ahead.idle();
    expect(ahead.holds(scopes)).toBe(true);
    expect((await usage(engine, scopes[0])).requests.usedLastMinute).toBe(2);
    await sleep(150);
    // Withdrawn by its timer, without any request: poll, as a loaded machine may be slow to it.
    await waitFor(
      async () => (await usage(engine, scopes[0])).requests.usedLastMinute === 1,
      5_000,
    );
    expect(ahead.holds(scopes)).toBe(false);
    const after = await usage(engine, scopes[0]);
    expect(after.requests.usedLastMinute).toBe(1);
    expect(after.concurrency.inFlight).toBe(0);
    expect(after.windows.daily).toMatchObject({ spent: '0.05', reserved: '0' });
    expect(outcomes).toEqual(['missing', 'expired']);
  });

  it('should admit a request needing a larger reservation itself, and withdraw the held one', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const { ahead, outcomes } = recording(engine, 5_000, 1);
    const scopes = scopesWith({ rpm: 50, usdDaily: '10' });
    await engine.settle(admitted(await ahead.admit(request(scopes, '0.1'))), '0');
    await ahead.idle();
    const larger = request(scopes, '0.5');
    const result = admitted(await ahead.admit(larger));
    expect(result.requestId).toBe(larger.requestId);
    expect(outcomes).toEqual(['missing', 'unfit']);
    await ahead.idle();
    // Held now: one admission ahead at the larger size; the smaller one was withdrawn.
    expect((await usage(engine, scopes[0])).windows.daily.reserved).toBe('1');
    expect((await usage(engine, scopes[0])).requests.usedLastMinute).toBe(3);
    await engine.settle(result, '0');
    await ahead.close();
    expect((await usage(engine, scopes[0])).requests.usedLastMinute).toBe(2);
  });

  it('should not hand over an admission made in another budget window, or under other limits', async () => {
    let clock = Date.parse('2024-03-13T23:59:59.900Z');
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`, () => clock);
    const ahead = new AdmissionAhead(engine, { maxAgeMs: 5_000 }, () => clock);
    const scopes = scopesWith({ usdDaily: '10' });
    await ahead.admit(request(scopes, '0.1', clock));
    await ahead.idle();
    expect(ahead.holds(scopes)).toBe(true);
    clock += 200; // the next day: the held admission's reservation sits in yesterday's window
    const nextDay = request(scopes, '0.1', clock);
    expect(admitted(await ahead.admit(nextDay)).requestId).toBe(nextDay.requestId);
    await ahead.idle();
    expect(ahead.holds(scopes)).toBe(true);

    const tighter: LimitScope[] = [{ ...scopes[0], limits: { usdDaily: '9' } }, scopes[1]];
    const changed = request(tighter, '0.1', clock);
    expect(admitted(await ahead.admit(changed)).requestId).toBe(changed.requestId);
    await ahead.close();
  });

  it('should take the held admission only until it is older than its maximum age', async () => {
    let clock = Date.parse('2024-03-13T10:00:00Z');
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`, () => clock);
    const ahead = new AdmissionAhead(engine, { maxAgeMs: 60_000 }, () => clock);
    const scopes = scopesWith({ rpm: 100 });
    await ahead.admit(request(scopes, '0', clock));
    await ahead.idle();
    clock += 60_001;
    const late = request(scopes, '0', clock);
    expect(admitted(await ahead.admit(late)).requestId).toBe(late.requestId);
    clock += 1_000;
    await ahead.idle();
    const early = request(scopes, '0', clock);
    expect(admitted(await ahead.admit(early)).requestId).not.toBe(early.requestId);
    await ahead.close();
  });
  it('should keep a busy key a pool of admissions, refilled in batches, never past its limits', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const { ahead, outcomes } = recording(engine, 5_000, 8);
    const scopes = scopesWith({ rpm: 40, concurrentSessions: 30 });
    const batches: number[] = [];
    const admit = engine.admit.bind(engine);
    // Admissions made in one turn go to Redis as one call: count each turn's admissions.
    let turn: number[] | null = null;
    jest.spyOn(engine, 'admit').mockImplementation((input) => {
      if (!turn) {
        const current: number[] = [0];
        turn = current;
        setImmediate(() => {
          batches.push(current[0]);
          turn = null;
        });
      }
      turn[0] += 1;
      return admit(input);
    });
    const results: AdmitResult[] = [];
    let peakHeld = 0;
    for (let i = 0; i < 46; i += 1) {
      const result = await ahead.admit(request(scopes));
      results.push(result);
      if (result.ok) await engine.settle(result.reservation, '0');
      peakHeld = Math.max(peakHeld, ahead.heldFor(scopes));
      await ahead.idle();
    }
    const admittedCount = results.filter((result) => result.ok).length;
    // Exactly the rpm limit, whoever made the admissions, and never more than 8 held.
    expect(admittedCount).toBe(40);
    expect(peakHeld).toBeLessThanOrEqual(8);
    expect(outcomes.filter((outcome) => outcome === 'taken').length).toBeGreaterThanOrEqual(30);
    // Refills of several admissions went to Redis in one turn, not one per request.
    expect(Math.max(...batches)).toBeGreaterThanOrEqual(4);
    expect(batches.length).toBeLessThan(30);
    await ahead.close();
    const after = await usage(engine, scopes[0]);
    expect(after.requests.usedLastMinute).toBe(40);
    expect(after.concurrency.inFlight).toBe(0);
  });

  it('should make admissions ahead at the largest reservation the key asked for lately', async () => {
    const engine = engineOn(redis, `cch:test:ahead:${randomUUID()}:`);
    const { ahead, outcomes } = recording(engine, 5_000, 4);
    const scopes = scopesWith({ usdDaily: '100' });
    for (const reserve of ['0.1', '0.3', '0.1']) {
      const result = admitted(await ahead.admit(request(scopes, reserve)));
      await engine.settle(result, '0');
      await ahead.idle();
    }
    // The 0.3 request found only 0.1 held (withdrawn); what was held after it is 0.3 each.
    expect(outcomes).toEqual(['missing', 'unfit', 'taken']);
    const big = request(scopes, '0.3');
    expect(admitted(await ahead.admit(big)).requestId).not.toBe(big.requestId);
    expect(outcomes[3]).toBe('taken');
    await ahead.idle();
    const held = ahead.heldFor(scopes);
    expect(held).toBeGreaterThan(0);
    expect((await usage(engine, scopes[0])).windows.daily.reserved).toBe(
      (0.3 * (held + 1)).toFixed(1),
    );
    await ahead.close();
  });
});
