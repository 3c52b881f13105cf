import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { coalesceWrites } from '../../src/common/redis/coalesced-writes';
import { MAX_ADMISSIONS_PER_CALL } from '../../src/limits/admit-batch';
import { LimitsEngine } from '../../src/limits/limits-engine';
import {
  AdmitResult,
  LimitScope,
  LimitsOperation,
  LimitsReservation,
  zeroBaseline,
} from '../../src/limits/limits.types';
import { seededRandom } from '../support/random-splits';
import { TEST_ENV } from '../support/test-env';

/**
 * The engine sends the admissions (and the settlements) a process makes in one event-loop turn
 * as one script call. These tests hold that to the one thing that matters: a batch answers and
 * leaves Redis exactly as the same operations made one at a time, in the same order.
 */

type Operation =
  | { op: 'admit'; requestId: string; scopes: LimitScope[]; reserveUsd: string }
  | { op: 'settle'; reservation: LimitsReservation; actualUsd: string; providerId?: string | null };

type Outcome = AdmitResult | boolean;

/** Every key under a prefix, with its value in a comparable form (TTLs left out). */
async function dump(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const name = key.slice(prefix.length);
    const type = await redis.type(key);
    if (type === 'zset') state[name] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'hash') state[name] = Object.entries(await redis.hgetall(key)).sort();
    else state[name] = await redis.get(key);
  }
  return state;
}

/** Counts the limits scripts a client sends (EVALSHA or, on a cold script cache, EVAL). */
function countScripts(client: Redis): { calls: number } {
  const counter = { calls: 0 };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    if (command.name === 'evalsha' || command.name === 'eval') counter.calls += 1;
    return send(command, stream);
  };
  return counter;
}

describe('LimitsEngine batches (Redis)', () => {
  let batched: Redis;
  let single: Redis;
  const now = Date.parse('2026-03-13T10:00:00Z');
  let clock = now;
  let errors: { operation: LimitsOperation; error: unknown }[] = [];

  beforeAll(() => {
    batched = coalesceWrites(new Redis(TEST_ENV.REDIS_URL));
    single = coalesceWrites(new Redis(TEST_ENV.REDIS_URL));
  });

  afterAll(async () => {
    await Promise.all([batched.quit(), single.quit()]);
  });

  beforeEach(() => {
    clock = now;
    errors = [];
  });

  afterEach(() => {
    expect(errors).toEqual([]);
  });

  function engine(redis: Redis, prefix: string): LimitsEngine {
    return new LimitsEngine(
      redis,
      { keyPrefix: prefix, onError: (error, operation) => errors.push({ operation, error }) },
      () => clock,
    );
  }

  function run(limits: LimitsEngine, operation: Operation): Promise<Outcome> {
    if (operation.op === 'admit') return limits.admit(operation);
    const options = operation.providerId === undefined ? {} : { providerId: operation.providerId };
    return limits.settle(operation.reservation, operation.actualUsd, options);
  }

  /** Random users, keys and providers with tight limits, so that refusals of every kind happen. */
  function scopesFor(random: () => number) {
    const pick = <T>(values: T[]): T => values[Math.floor(random() * values.length)];
    const maybe = <T>(value: T): T | undefined => (random() < 0.7 ? value : undefined);
    const limits = (): LimitScope['limits'] => ({
      rpm: maybe(2 + Math.floor(random() * 10)),
      concurrentSessions: maybe(1 + Math.floor(random() * 5)),
      usdDaily: maybe((0.5 + random() * 2).toFixed(2)),
      usd5h: maybe((0.3 + random() * 2).toFixed(2)),
      usdTotal: maybe((1 + random() * 4).toFixed(2)),
    });
    const users = [0, 1].map((): LimitScope => ({
      kind: 'user',
      id: randomUUID(),
      limits: limits(),
    }));
    const keys = [0, 1, 2].map((i): [LimitScope, LimitScope] => [
      users[i % 2],
      { kind: 'key', id: randomUUID(), limits: limits() },
    ]);
    const providers = [0, 1].map((): LimitScope => ({
      kind: 'provider',
      id: randomUUID(),
      limits: limits(),
    }));
    return { pick, keys, providers };
  }

  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: a turn of admissions and settlements answers as one at a time would',
    async (seed) => {
      const random = seededRandom(seed);
      const { pick, keys, providers } = scopesFor(random);
      const batchPrefix = `cch:test:limb:${randomUUID()}:`;
      const singlePrefix = `cch:test:limb:${randomUUID()}:`;
      const together = engine(batched, batchPrefix);
      const oneByOne = engine(single, singlePrefix);
      const held: LimitsReservation[] = [];
      const refusals = new Set<string>();
      let sequence = 0;

      for (let round = 0; round < 8; round += 1) {
        const operations: Operation[] = [];
        // Settlements first: one turn sends its settlement batch before its admission batch.
        for (const reservation of held.splice(0, Math.floor(random() * (held.length + 1)))) {
          const actualUsd = (random() * 0.4).toFixed(6);
          const providerId = random() < 0.3 ? pick(providers).id : undefined;
          operations.push({ op: 'settle', reservation, actualUsd, providerId });
          // ioredis resending a settlement: the second one must change nothing.
          if (random() < 0.15) operations.push({ op: 'settle', reservation, actualUsd });
        }
        const admissions = 4 + Math.floor(random() * 24);
        for (let i = 0; i < admissions; i += 1) {
          sequence += 1;
          const scopes: LimitScope[] = [...pick(keys)];
          if (random() < 0.5) scopes.push(pick(providers));
          const reserveUsd = (random() * 0.6).toFixed(6);
          operations.push({ op: 'admit', requestId: `r${sequence}`, scopes, reserveUsd });
          // The same request admitted twice (a resend after a reconnect) keeps one slot.
          if (random() < 0.1) {
            operations.push({ op: 'admit', requestId: `r${sequence}`, scopes, reserveUsd });
          }
        }

        const inOneTurn = await Promise.all(operations.map((op) => run(together, op)));
        const inTurns: Outcome[] = [];
        for (const op of operations) inTurns.push(await run(oneByOne, op));
        expect(inOneTurn).toEqual(inTurns);

        for (const outcome of inTurns) {
          if (typeof outcome === 'boolean') continue;
          if (outcome.ok) held.push(outcome.reservation);
          else refusals.add(outcome.kind);
        }
        clock += Math.floor(random() * 40_000);
      }

      expect(await dump(batched, batchPrefix)).toEqual(await dump(single, singlePrefix));
      // The limits are tight enough for the batches to refuse, not only admit.
      expect(refusals.size).toBeGreaterThanOrEqual(2);
    },
  );

  it('sends the admissions and settlements of one turn as one script call each', async () => {
    const limits = engine(batched, `cch:test:limb:${randomUUID()}:`);
    const user: LimitScope = { kind: 'user', id: randomUUID(), limits: { rpm: 50 } };
    const key: LimitScope = { kind: 'key', id: randomUUID(), limits: { concurrentSessions: 30 } };
    // Warm up: the scopes' baselines and the script cache.
    const first = await limits.admit({
      requestId: randomUUID(),
      scopes: [user, key],
      reserveUsd: '0',
    });
    expect(first.ok).toBe(true);
    const scripts = countScripts(batched);

    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        limits.admit({ requestId: randomUUID(), scopes: [user, key], reserveUsd: '0.01' }),
      ),
    );
    expect(scripts.calls).toBe(1);
    // 30 slots, one held by the warm-up request: 29 of the 40 get one, in the order asked.
    expect(results.map((result) => result.ok)).toEqual([
      ...Array<boolean>(29).fill(true),
      ...Array<boolean>(11).fill(false),
    ]);
    expect(results[28].headers['x-ratelimit-remaining-requests']).toBe('20');

    const reservations = results.flatMap((result) => (result.ok ? [result.reservation] : []));
    const settled = await Promise.all(reservations.map((r) => limits.settle(r, '0.002')));
    expect(settled.every(Boolean)).toBe(true);
    expect(scripts.calls).toBe(2);
  });

  it('splits a turn of more admissions than one call takes, and keeps their order', async () => {
    const limits = engine(batched, `cch:test:limb:${randomUUID()}:`);
    const user: LimitScope = { kind: 'user', id: randomUUID(), limits: { rpm: 100 } };
    await limits.admit({ requestId: randomUUID(), scopes: [user], reserveUsd: '0' });
    const scripts = countScripts(batched);
    const count = MAX_ADMISSIONS_PER_CALL * 2 + 1;
    const results = await Promise.all(
      Array.from({ length: count }, () =>
        limits.admit({ requestId: randomUUID(), scopes: [user], reserveUsd: '0' }),
      ),
    );
    expect(scripts.calls).toBe(3);
    // 99 left of 100 after the warm-up: the first 99 asked are the ones admitted.
    expect(results.map((result) => result.ok)).toEqual(
      Array.from({ length: count }, (_, index) => index < 99),
    );
  });

  it('answers every request of a batch when limits change within the turn', async () => {
    const limits = engine(batched, `cch:test:limb:${randomUUID()}:`);
    const id = randomUUID();
    const loose: LimitScope = { kind: 'key', id, limits: { rpm: 10 } };
    const tight: LimitScope = { kind: 'key', id, limits: { rpm: 2 } };
    await limits.admit({ requestId: randomUUID(), scopes: [loose], reserveUsd: '0' });
    const scripts = countScripts(batched);
    const ask = (scope: LimitScope) =>
      limits.admit({ requestId: randomUUID(), scopes: [scope], reserveUsd: '0' });
    const results = await Promise.all([ask(loose), ask(tight), ask(loose)]);
    // Each under its own limits, in order: 2 of 10, then 2 ≥ 2 refused, then 3 of 10.
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    expect(scripts.calls).toBe(3);
  });

  it("answers a batch's warmed-up scopes without waiting for a new scope's baseline", async () => {
    let release: () => void = () => undefined;
    const loading = new Promise<void>((resolve) => (release = resolve));
    const loads: string[] = [];
    const limits = new LimitsEngine(
      batched,
      {
        keyPrefix: `cch:test:limb:${randomUUID()}:`,
        onError: (error, operation) => errors.push({ operation, error }),
        // The ledger of a new scope answers only when the test says so (Postgres hanging).
        baselineSource: {
          load: async (scope) => {
            loads.push(scope.id);
            if (scope.id === 'new-user') await loading;
            return zeroBaseline();
          },
        },
      },
      () => clock,
    );
    const known: LimitScope = { kind: 'user', id: 'known-user', limits: { rpm: 5 } };
    const fresh: LimitScope = { kind: 'user', id: 'new-user', limits: { rpm: 5 } };
    const ask = (scope: LimitScope) =>
      limits.admit({ requestId: randomUUID(), scopes: [scope], reserveUsd: '0' });
    expect((await ask(known)).ok).toBe(true);

    // One turn: the known user, the new one, the known one again.
    const [first, waiting, second] = [ask(known), ask(fresh), ask(known)];
    const settled = await Promise.race([
      Promise.all([first, second]).then((results) => results.map((result) => result.ok)),
      new Promise((resolve) => setTimeout(() => resolve('held up'), 2_000)),
    ]);
    expect(settled).toEqual([true, true]);
    expect((await first).headers['x-ratelimit-remaining-requests']).toBe('3');
    expect((await second).headers['x-ratelimit-remaining-requests']).toBe('2');

    release();
    expect((await waiting).ok).toBe(true);
    expect(loads).toEqual(['known-user', 'new-user']);
  });

  it('fails every request of a batch alike when Redis fails, and reports each', async () => {
    const broken = coalesceWrites(new Redis(TEST_ENV.REDIS_URL, { lazyConnect: true }));
    const reported: LimitsOperation[] = [];
    const limits = new LimitsEngine(
      broken,
      { failOpen: false, onError: (_error, operation) => reported.push(operation) },
      () => clock,
    );
    broken.disconnect();
    const user: LimitScope = { kind: 'user', id: randomUUID(), limits: { rpm: 5 } };
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        limits.admit({ requestId: randomUUID(), scopes: [user], reserveUsd: '0' }),
      ),
    );
    expect(results.map((result) => (result.ok ? 'ok' : result.kind))).toEqual([
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
    expect(reported).toEqual(['admit', 'admit', 'admit']);
  });
});
