import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CircuitBreaker } from '../../src/routing/circuit-breaker';
import { FakeAnthropic } from '../support/fake-anthropic';
import { RedisMonitor } from '../support/redis-monitor';
import { call } from '../support/http';
import { seedProvider, SeededKey, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

const MAX_AGE_MS = 1_500;
const BREAKER_ENV = {
  BREAKER_MIN_REQUESTS: '3',
  BREAKER_FAILURE_RATE_PERCENT: '50',
  BREAKER_OPEN_MS: '60000',
};
const DATABASE = new URL(TEST_ENV.REDIS_URL).pathname.slice(1) || '0';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stateKey = (providerId: string) => `cch:cb:{${providerId}}:state`;

/**
 * Every command Redis runs on the test database, seen through MONITOR: what the gateway really
 * sent, from any of its connections.
 */
class CommandLog {
  private readonly seen: { command: string; args: string[]; source: string }[] = [];

  private monitor: RedisMonitor | null = null;

  private constructor(private readonly client: Redis) {}

  static async start(): Promise<CommandLog> {
    const log = new CommandLog(new Redis(TEST_ENV.REDIS_URL));
    log.monitor = await RedisMonitor.start(TEST_ENV.REDIS_URL, ({ database, ...command }) => {
      if (database === DATABASE) log.seen.push(command);
    });
    return log;
  }

  /** Breaker state reads (one MGET over every enabled provider) that covered the provider. */
  breakerReads(providerId: string): Promise<number> {
    return this.count('mget', (args) => args.includes(stateKey(providerId)));
  }

  /** Sticky session reads of the user. */
  sessionReads(userId: string): Promise<number> {
    const prefix = `cch:sticky:${encodeURIComponent(userId)}:`;
    return this.count('getex', (args) => args[0]?.startsWith(prefix) ?? false);
  }

  /** Budget reads of the provider (its rolling spend, read once per `exhaustedProviders`). */
  budgetReads(providerId: string): Promise<number> {
    return this.count('hgetall', (args) => args[0]?.includes(`provider:${providerId}:`) ?? false);
  }

  async close(): Promise<void> {
    this.monitor?.close();
    await this.client.quit();
  }

  private async count(command: string, matches: (args: string[]) => boolean): Promise<number> {
    await this.sync();
    return this.seen.filter(
      (entry) => entry.command === command && entry.source !== 'lua' && matches(entry.args),
    ).length;
  }

  /** MONITOR reports in execution order: once a marker shows, everything before it has too. */
  private async sync(): Promise<void> {
    const marker = `sync-${randomUUID()}`;
    await this.client.echo(marker);
    const deadline = Date.now() + 5_000;
    while (!this.seen.some((entry) => entry.command === 'echo' && entry.args[0] === marker)) {
      if (Date.now() > deadline) throw new Error('MONITOR never reported the marker');
      await sleep(10);
    }
  }
}

interface Fixture {
  preferred: FakeAnthropic;
  fallback: FakeAnthropic;
  preferredId: string;
  caller: SeededKey;
  close(): Promise<void>;
}

/** A budgeted preferred provider and a fallback, in a group of their own, and a key in it. */
async function fixture(ctx: TestApp): Promise<Fixture> {
  const preferred = await FakeAnthropic.start();
  const fallback = await FakeAnthropic.start();
  const group = `g-${randomUUID().slice(0, 8)}`;
  const preferredId = await seedProvider(ctx.baseUrl, {
    baseUrl: preferred.url,
    apiKey: preferred.apiKey,
    groups: [group],
    priority: 0,
    limits: { usdDaily: '1000' },
  });
  await seedProvider(ctx.baseUrl, {
    baseUrl: fallback.url,
    apiKey: fallback.apiKey,
    groups: [group],
    priority: 1,
  });
  const caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: group });
  // An admin change reaches routing over pub/sub: wait until the new providers are routed.
  const deadline = Date.now() + 5_000;
  while (preferred.requests.length === 0) {
    if (Date.now() > deadline) throw new Error('the preferred provider never served');
    expect((await ask(ctx, caller)).status).toBe(200);
  }
  preferred.reset();
  fallback.reset();
  return {
    preferred,
    fallback,
    preferredId,
    caller,
    close: async () => {
      await preferred.close();
      await fallback.close();
    },
  };
}

function ask(ctx: TestApp, caller: SeededKey, sessionId?: string) {
  return call(ctx.baseUrl, 'POST', '/v1/messages', {
    token: null,
    headers: {
      'x-api-key': caller.key,
      ...(sessionId ? { 'x-claude-code-session-id': sessionId } : {}),
    },
    body: {
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    },
  });
}

/**
 * Another replica (its own breaker instance on the same Redis) sees the provider fail until its
 * breaker opens: the state key written by the breaker's own script.
 */
async function openElsewhere(redis: Redis, providerId: string): Promise<void> {
  const replica = new CircuitBreaker(redis, { minimumRequests: 3, openMs: 60_000 });
  for (let failure = 0; (await redis.exists(stateKey(providerId))) === 0; failure += 1) {
    if (failure > 100) throw new Error('the other replica never opened the breaker');
    await replica.recordFailure(providerId);
  }
}

/** Lets whatever this process has cached go stale. */
const expire = () => sleep(MAX_AGE_MS + 100);

describe(`routing state with ROUTING_STATE_MAX_AGE_MS=${MAX_AGE_MS}`, () => {
  let ctx: TestApp;
  let redis: Redis;
  let log: CommandLog;
  const fixtures: Fixture[] = [];

  beforeAll(async () => {
    ctx = await startTestApp({ ...BREAKER_ENV, ROUTING_STATE_MAX_AGE_MS: String(MAX_AGE_MS) });
    redis = new Redis(TEST_ENV.REDIS_URL);
    log = await CommandLog.start();
  });

  afterAll(async () => {
    // The app last, and whatever else fails: a gateway left running keeps Jest from exiting.
    try {
      for (const built of fixtures) await built.close();
      await log.close();
      await redis.quit();
    } finally {
      await ctx.close();
    }
  });

  async function setup(): Promise<Fixture> {
    const built = await fixture(ctx);
    fixtures.push(built);
    return built;
  }

  it('should read breaker states, the session binding and budgets once per max age', async () => {
    const { preferred, preferredId, caller } = await setup();
    const session = randomUUID();
    await expire();
    const before = {
      breaker: await log.breakerReads(preferredId),
      session: await log.sessionReads(caller.userId),
      budget: await log.budgetReads(preferredId),
    };
    const reads = async () => ({
      breaker: (await log.breakerReads(preferredId)) - before.breaker,
      session: (await log.sessionReads(caller.userId)) - before.session,
      budget: (await log.budgetReads(preferredId)) - before.budget,
    });

    const started = Date.now();
    for (let turn = 0; turn < 5; turn += 1) {
      expect((await ask(ctx, caller, session)).status).toBe(200);
    }
    // Otherwise the reads below could be honest reloads, and prove nothing.
    expect(Date.now() - started).toBeLessThan(MAX_AGE_MS);
    expect(preferred.requests).toHaveLength(5);
    expect(await reads()).toEqual({ breaker: 1, session: 1, budget: 1 });

    // Stale now: one more read of each, however many requests arrive together.
    await expire();
    const burst = await Promise.all(Array.from({ length: 32 }, () => ask(ctx, caller, session)));
    expect(burst.every((response) => response.status === 200)).toBe(true);
    expect(await reads()).toEqual({ breaker: 2, session: 2, budget: 2 });
  });

  it('should keep the session binding it wrote, and slide its Redis TTL with every request', async () => {
    const { caller } = await setup();
    const session = randomUUID();
    expect((await ask(ctx, caller, session)).status).toBe(200);
    const pattern = `cch:sticky:${encodeURIComponent(caller.userId)}:*`;
    let [key] = await redis.keys(pattern);
    // The binding is written after the answer went out.
    for (let poll = 0; key === undefined && poll < 50; poll += 1) {
      await sleep(10);
      [key] = await redis.keys(pattern);
    }
    expect(key).toBeDefined();
    await redis.expire(key, 5);
    const before = await log.sessionReads(caller.userId);
    expect((await ask(ctx, caller, session)).status).toBe(200);
    // Served from this process's copy, yet the binding's TTL was renewed by the write-through.
    expect(await log.sessionReads(caller.userId)).toBe(before);
    await sleep(50);
    expect(await redis.ttl(key)).toBeGreaterThan(200);
  });

  it('should honour a breaker another replica opened once the max age has passed', async () => {
    const { preferred, fallback, preferredId, caller } = await setup();
    await expire();
    expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(1);

    await openElsewhere(redis, preferredId);

    // Within the max age this replica still routes on what it read: the documented staleness.
    expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(2);

    await expire();
    for (let turn = 0; turn < 3; turn += 1) expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(2);
    expect(fallback.requests).toHaveLength(3);
  });

  it('should honour a breaker this process opens at once, without another read', async () => {
    const { preferred, fallback, preferredId, caller } = await setup();
    preferred.always({ kind: 'status', status: 500 });
    await expire();
    const breakerReadsBefore = await log.breakerReads(preferredId);
    const started = Date.now();
    // Each failure fails over to the fallback; the breaker opens within a few of them.
    while ((await redis.exists(stateKey(preferredId))) === 0) {
      expect((await ask(ctx, caller)).status).toBe(200);
      expect(preferred.requests.length).toBeLessThan(10);
    }
    const failures = preferred.requests.length;
    // The open state is in Redis; give this process the moment its script reply takes.
    await sleep(20);
    for (let turn = 0; turn < 3; turn += 1) expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(failures);
    expect(fallback.requests).toHaveLength(failures + 3);
    // One read, before the breaker opened: the open state came from this process's own write.
    expect(Date.now() - started).toBeLessThan(MAX_AGE_MS);
    expect((await log.breakerReads(preferredId)) - breakerReadsBefore).toBe(1);
  });
});

describe('routing state with ROUTING_STATE_MAX_AGE_MS=0 (the default)', () => {
  let ctx: TestApp;
  let redis: Redis;
  let log: CommandLog;
  let built: Fixture;

  beforeAll(async () => {
    ctx = await startTestApp({ ...BREAKER_ENV, ROUTING_STATE_MAX_AGE_MS: '0' });
    redis = new Redis(TEST_ENV.REDIS_URL);
    log = await CommandLog.start();
    built = await fixture(ctx);
  });

  afterAll(async () => {
    try {
      await built.close();
      await log.close();
      await redis.quit();
    } finally {
      await ctx.close();
    }
  });

  it('should read breaker states, the session binding and budgets on every request', async () => {
    const { preferredId, caller } = built;
    const session = randomUUID();
    const before = {
      breaker: await log.breakerReads(preferredId),
      session: await log.sessionReads(caller.userId),
      budget: await log.budgetReads(preferredId),
    };
    for (let turn = 0; turn < 5; turn += 1) {
      expect((await ask(ctx, caller, session)).status).toBe(200);
    }
    expect({
      breaker: (await log.breakerReads(preferredId)) - before.breaker,
      session: (await log.sessionReads(caller.userId)) - before.session,
      budget: (await log.budgetReads(preferredId)) - before.budget,
    }).toEqual({ breaker: 5, session: 5, budget: 5 });
  });

  it('should honour a breaker another replica opened on the very next request', async () => {
    const { preferred, fallback, preferredId, caller } = built;
    preferred.reset();
    fallback.reset();
    expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(1);
    await openElsewhere(redis, preferredId);
    expect((await ask(ctx, caller)).status).toBe(200);
    expect(preferred.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(1);
  });
});

describe('CircuitBreaker with stateMaxAgeMs (Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_ENV.REDIS_URL);
  });

  afterAll(async () => {
    await redis.quit();
  });

  /** A breaker on a hand-moved clock: the max age and the cool-down pass without waiting. */
  function breaker() {
    const clock = { value: 1_700_000_000_000 };
    const prefix = `cch:test:cb-cache:${randomUUID()}:`;
    const errors: unknown[] = [];
    const instance = new CircuitBreaker(
      redis,
      {
        minimumRequests: 3,
        openMs: 1_000,
        stateMaxAgeMs: 5_000,
        keyPrefix: prefix,
        onError: (error) => errors.push(error),
      },
      () => clock.value,
    );
    return { instance, clock, key: `${prefix}{p}:state`, errors };
  }

  it('should turn a cached open state half-open when the cool-down ends, without a read', async () => {
    const { instance, clock, key, errors } = breaker();
    expect((await instance.states(['p'])).get('p')).toBe('closed');
    for (let failure = 0; failure < 3; failure += 1) await instance.recordFailure('p');
    expect((await instance.states(['p'])).get('p')).toBe('open');
    // Gone from Redis behind its back: what follows can only come from the cached entry.
    await redis.del(key);
    clock.value += 1_000;
    expect((await instance.states(['p'])).get('p')).toBe('half-open');
    clock.value += 4_000;
    expect((await instance.states(['p'])).get('p')).toBe('closed');
    expect(errors).toEqual([]);
  });

  it("should apply its own probe's outcome, re-open or close, at once", async () => {
    const { instance, clock, errors } = breaker();
    for (let failure = 0; failure < 3; failure += 1) await instance.recordFailure('p');
    clock.value += 1_000;
    expect((await instance.states(['p'])).get('p')).toBe('half-open');
    expect(await instance.acquire('p')).toBe(true);
    await instance.recordFailure('p');
    // The probe failed: open again for a new cool-down, seen without a read.
    expect((await instance.states(['p'])).get('p')).toBe('open');
    clock.value += 1_000;
    expect(await instance.acquire('p')).toBe(true);
    await instance.recordSuccess('p');
    expect((await instance.states(['p'])).get('p')).toBe('closed');
    expect(errors).toEqual([]);
  });
});
