import { randomUUID } from 'node:crypto';
import { LIMIT_FIELDS, Limits } from '../common/limits/limits';
import type { LimitsEngine } from './limits-engine';
import { type AdmitRequest, type AdmitResult, type LimitScope, scopeId } from './limits.types';
import { usdToMicros } from './usd-micros';

/**
 * What became of the admissions ahead, per request and per expiry: `taken` (the request used
 * one), `unfit` (what was held did not fit the request; the held ones that cannot fit a later
 * request either are withdrawn), `missing` (none was held for the request) and `expired`
 * (withdrawn unused).
 */
export type AdmissionAheadOutcome = 'taken' | 'unfit' | 'missing' | 'expired';

export interface AdmissionAheadOptions {
  /**
   * An admission made ahead and not used within this long is withdrawn. It bounds how long it
   * holds a concurrency slot and how far its rpm count can predate the request. Default 1 s.
   */
  maxAgeMs?: number;
  /**
   * Made only while every scope has room for at least this many more requests after them, so
   * that near a limit the held admissions cannot take the place of real requests. Default 2.
   */
  minHeadroom?: number;
  /**
   * The most admissions held at once per set of scopes and process: a busy key holds about as
   * many as it asked for in the last quarter of `maxAgeMs`, up to this. Default 32.
   */
  maxHeld?: number;
  /** Each outcome, for the hit-rate metric. */
  onOutcome?: (outcome: AdmissionAheadOutcome) => void;
}

type Admitted = Extract<AdmitResult, { ok: true }>;

/** One admission made ahead, waiting for a request of its scopes. */
interface Ticket {
  result: Admitted;
  reservedMicros: bigint;
  expiry: NodeJS.Timeout;
}

/** The largest reservation asked in a demand window: what admissions ahead are made at. */
interface Reserve {
  micros: bigint;
  usd: string;
}

/** What one set of scopes holds, and what sizes its next refill. */
interface Pool {
  tickets: Ticket[];
  /** The scopes' limits when the held admissions were made. */
  limits: readonly Limits[];
  /** Admissions being made ahead now. */
  making: number;
  /**
   * The latest admission of these scopes: the room it left (`AdmitResult.headroom`, worked out
   * from the script's reply when first read) bounds the next refill. Only the latest is read, not
   * every admission of a refill.
   */
  latest: Admitted | null;
  /** Requests and largest reservation of the current demand window and of the one before. */
  windowStart: number;
  asked: number;
  askedBefore: number;
  reserve: Reserve;
  reserveBefore: Reserve | null;
}

/** Pools of scope sets that hold nothing are dropped past this many. */
const MAX_IDLE_POOLS = 10_000;

/**
 * Admission ahead (`LIMITS_ADMIT_AHEAD`). After a request of a set of scopes (a user and a key)
 * is admitted, this process admits the scopes' next requests in the background, through the
 * ordinary admission script, and holds them. A request that finds one held takes it and waits
 * for no Redis round trip. A busy key is kept a pool as large as its last 250 ms of requests
 * (`maxAgeMs / 4`, at most `maxHeld`), refilled in one script call once 3/4 of it is used, so
 * its admissions go to Redis in batches of up to `maxHeld` instead of a few per turn.
 *
 * Limits stay exact: every admission made ahead is a real one in Redis, counted in the rpm
 * window, holding a slot and its reservation, so no limit is exceeded by it. What it costs:
 * - while they wait (at most `maxAgeMs`), the held admissions hold their slots, rpm counts and
 *   reservations, in every scope, per gateway process; they are made only while every scope
 *   keeps room for `minHeadroom` more requests after them, and withdrawn unused (rpm count
 *   included) when they expire;
 * - a request that takes one is counted in the rpm window from when it was made, at most
 *   `maxAgeMs` earlier than the request itself;
 * - they reserve the largest worst case the key asked for in the last two demand windows;
 * - a process that dies holding some leaks them like unfinished requests: until the slot TTL.
 * One is not taken when it is smaller than the request needs (later ones are made at the larger
 * size), when the scopes' limits changed, or when the request falls into other budget windows
 * than it did; the older ones a request passes over on the way to one that fits are withdrawn.
 */
export class AdmissionAhead {
  private readonly maxAgeMs: number;
  private readonly minHeadroom: number;
  private readonly maxHeld: number;
  private readonly demandWindowMs: number;
  private readonly onOutcome: AdmissionAheadOptions['onOutcome'];
  private readonly pools = new Map<string, Pool>();
  /** Admissions being made ahead (tests and shutdown wait for them). */
  private readonly making = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly engine: LimitsEngine,
    options: AdmissionAheadOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.minHeadroom = options.minHeadroom ?? 2;
    this.maxHeld = options.maxHeld ?? 32;
    this.demandWindowMs = this.maxAgeMs / 4;
    this.onOutcome = options.onOutcome;
    if (!(this.maxAgeMs > 0) || !(this.minHeadroom >= 1) || !(this.maxHeld >= 1)) {
      throw new Error('AdmissionAhead: maxAgeMs must be positive, minHeadroom and maxHeld ≥ 1');
    }
  }

  /** Same contract as `LimitsEngine.admit`. */
  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const key = scopeSetKey(request.scopes);
    const pool = this.poolFor(key, request);
    const need = usdToMicros(request.reserveUsd, 'up');
    this.count(pool, request, need);
    const held = pool.tickets.length > 0;
    const ticket = this.take(pool, request, need);
    if (ticket) {
      this.report('taken');
      this.refill(key, pool, request.scopes);
      return ticket.result;
    }
    this.report(held ? 'unfit' : 'missing');
    const result = await this.engine.admit(request);
    if (result.ok && !result.reservation.degraded) {
      pool.latest = result;
      this.refill(key, pool, request.scopes);
    }
    return result;
  }

  /** Whether admissions made ahead wait for the next requests of these scopes. */
  holds(scopes: readonly LimitScope[]): boolean {
    return this.heldFor(scopes) > 0;
  }

  /** How many admissions made ahead wait for the next requests of these scopes. */
  heldFor(scopes: readonly LimitScope[]): number {
    return this.pools.get(scopeSetKey(scopes))?.tickets.length ?? 0;
  }

  /** Resolves once no admission ahead is being made (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.making.size > 0) await Promise.all(this.making);
  }

  /** Withdraws every admission held and makes no more (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    await Promise.all([...this.pools.values()].flatMap((pool) => this.withdrawAll(pool)));
  }

  /** The scopes' pool; what it holds is withdrawn if their limits changed since it was made. */
  private poolFor(key: string, request: AdmitRequest): Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      if (this.pools.size >= MAX_IDLE_POOLS) this.dropIdlePools();
      const now = this.now();
      pool = {
        tickets: [],
        limits: request.scopes.map((scope) => scope.limits),
        making: 0,
        latest: null,
        windowStart: now,
        asked: 0,
        askedBefore: 0,
        reserve: { micros: 0n, usd: '0' },
        reserveBefore: null,
      };
      this.pools.set(key, pool);
    } else if (!request.scopes.every((scope, i) => sameLimits(scope.limits, pool?.limits[i]))) {
      void Promise.all(this.withdrawAll(pool));
      pool.limits = request.scopes.map((scope) => scope.limits);
    }
    return pool;
  }

  /** Counts the request in its demand window, with the reservation it needs. */
  private count(pool: Pool, request: AdmitRequest, need: bigint): void {
    const now = this.now();
    if (now - pool.windowStart >= this.demandWindowMs || now < pool.windowStart) {
      // The window before counts only if it was the one just ended.
      const adjacent = now - pool.windowStart < 2 * this.demandWindowMs;
      pool.askedBefore = adjacent ? pool.asked : 0;
      pool.reserveBefore = adjacent ? pool.reserve : null;
      pool.asked = 0;
      pool.reserve = { micros: 0n, usd: '0' };
      pool.windowStart = now;
    }
    pool.asked += 1;
    if (need > pool.reserve.micros || pool.asked === 1) {
      pool.reserve = { micros: need, usd: request.reserveUsd };
    }
  }

  /**
   * The oldest held admission that fits the request, taken out of the pool; null if none does.
   * The older ones before it, which fit no later request either (too old, another budget window)
   * or are smaller than requests now need, are withdrawn on the way: one look per request while
   * the oldest fits, which it nearly always does.
   */
  private take(pool: Pool, request: AdmitRequest, need: bigint): Ticket | null {
    const at = request.now ?? this.now();
    for (let ticket = pool.tickets.shift(); ticket; ticket = pool.tickets.shift()) {
      clearTimeout(ticket.expiry);
      const { admittedAt } = ticket.result.reservation;
      const fits =
        ticket.reservedMicros >= need &&
        at - admittedAt <= this.maxAgeMs &&
        this.engine.sameWindows(admittedAt, at);
      if (fits) return ticket;
      void this.engine.withdraw(ticket.result.reservation);
    }
    return null;
  }

  /**
   * Makes admissions ahead once the pool is down to a quarter of what the scopes' recent demand
   * calls for, up to it in one go (one script call), keeping `minHeadroom` of room in every
   * scope. A quarter is left so that requests arriving during the refill's round trip still find
   * one; the rest makes each refill as large as it can be.
   */
  private refill(key: string, pool: Pool, scopes: readonly LimitScope[]): void {
    if (this.closed) return;
    const target = Math.min(this.maxHeld, Math.max(1, pool.asked, pool.askedBefore));
    const have = pool.tickets.length + pool.making;
    if (have > target / 4) return;
    const headroom = pool.latest?.headroom ?? 0;
    const count = Math.min(target - have, headroom - this.minHeadroom + 1);
    const reserve = largest(pool.reserve, pool.reserveBefore);
    for (let i = 0; i < count; i += 1) {
      pool.making += 1;
      const making = this.engine
        .admit({ requestId: randomUUID(), scopes, reserveUsd: reserve.usd, now: this.now() })
        .then(
          (result) => {
            pool.making -= 1;
            if (result.ok && !result.reservation.degraded) this.keep(key, pool, result);
          },
          () => {
            pool.making -= 1;
          },
        )
        .finally(() => this.making.delete(making));
      this.making.add(making);
    }
  }

  private keep(key: string, pool: Pool, result: Admitted): void {
    if (this.closed || this.pools.get(key) !== pool) {
      void this.engine.withdraw(result.reservation);
      return;
    }
    // A batch's results come in its order: the latest counts every admission before it.
    pool.latest = result;
    const ticket: Ticket = {
      result,
      reservedMicros: BigInt(result.reservation.reservedMicros),
      expiry: setTimeout(() => this.expire(pool, ticket), this.maxAgeMs),
    };
    ticket.expiry.unref();
    pool.tickets.push(ticket);
  }

  private expire(pool: Pool, ticket: Ticket): void {
    const index = pool.tickets.indexOf(ticket);
    if (index < 0) return;
    pool.tickets.splice(index, 1);
    this.report('expired');
    void this.engine.withdraw(ticket.result.reservation);
  }

  /** Withdraws everything the pool holds; resolves per withdrawal (shutdown waits for them). */
  private withdrawAll(pool: Pool): Promise<boolean>[] {
    return pool.tickets.splice(0).map((ticket) => {
      clearTimeout(ticket.expiry);
      return this.engine.withdraw(ticket.result.reservation);
    });
  }

  private dropIdlePools(): void {
    for (const [key, pool] of this.pools) {
      if (pool.tickets.length === 0 && pool.making === 0) this.pools.delete(key);
    }
  }

  private report(outcome: AdmissionAheadOutcome): void {
    try {
      this.onOutcome?.(outcome);
    } catch {
      // A faulty metric must not fail an admission.
    }
  }
}

function largest(a: Reserve, b: Reserve | null): Reserve {
  return b !== null && b.micros > a.micros ? b : a;
}

/** Scope sets are small (a user and a key) and listed in a fixed order by the caller. */
function scopeSetKey(scopes: readonly LimitScope[]): string {
  let key = '';
  for (const scope of scopes) key += `${scopeId(scope)}|`;
  return key;
}

function sameLimits(a: Limits, b: Limits | undefined): boolean {
  return b !== undefined && LIMIT_FIELDS.every((field) => a[field] === b[field]);
}
