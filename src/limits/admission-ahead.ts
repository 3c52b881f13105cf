import { randomUUID } from 'node:crypto';
import { LIMIT_FIELDS, Limits } from '../common/limits/limits';
import type { LimitsEngine } from './limits-engine';
import { type AdmitRequest, type AdmitResult, type LimitScope, scopeId } from './limits.types';
import { usdToMicros } from './usd-micros';

/**
 * What became of the admission ahead, per request and per expiry: `taken` (the request used it),
 * `unfit` (the request needed another one; withdrawn), `missing` (none was held for the request)
 * and `expired` (withdrawn unused).
 */
export type AdmissionAheadOutcome = 'taken' | 'unfit' | 'missing' | 'expired';

export interface AdmissionAheadOptions {
  /**
   * An admission made ahead and not used within this long is withdrawn. It bounds how long it
   * holds a concurrency slot and how far its rpm entry can predate the request. Default 1 s.
   */
  maxAgeMs?: number;
  /**
   * Made only while every scope has room for at least this many more requests after the one just
   * admitted, so that near a limit a held admission cannot take the place of a real request.
   * Default 2.
   */
  minHeadroom?: number;
  /** Each outcome, for the hit-rate metric. */
  onOutcome?: (outcome: AdmissionAheadOutcome) => void;
}

type Admitted = Extract<AdmitResult, { ok: true }>;

/** One admission made ahead for a set of scopes, waiting for their next request. */
interface Ticket {
  result: Admitted;
  limits: readonly Limits[];
  expiry: NodeJS.Timeout;
}

/**
 * Admission one request ahead (`LIMITS_ADMIT_AHEAD`). After a request of a set of scopes (a user
 * and a key) is admitted, this process admits the scopes' next request in the background, with
 * the same worst-case reservation, through the ordinary admission script. When that next request
 * comes, it takes the admission already made and waits for no Redis round trip; taking it starts
 * the admission of the one after.
 *
 * Limits stay exact: every admission made ahead is a real one in Redis, counted in the rpm
 * window, holding a slot and its reservation, so no limit is exceeded by it. What it costs:
 * - while it waits (at most `maxAgeMs`), it holds one slot, one rpm entry and one reservation
 *   of each of its scopes, per gateway process; it is made only while every scope has room for
 *   `minHeadroom` more requests, and withdrawn unused (rpm entry included) when it expires;
 * - a request that takes it is counted in the rpm window from when it was made, at most
 *   `maxAgeMs` earlier than the request itself;
 * - a process that dies holding one leaks it like an unfinished request: until the slot TTL.
 * It is not taken (and is withdrawn) when the request needs a larger reservation, when the
 * scopes' limits changed, or when the request falls into other budget windows than it did.
 */
export class AdmissionAhead {
  private readonly maxAgeMs: number;
  private readonly minHeadroom: number;
  private readonly onOutcome: AdmissionAheadOptions['onOutcome'];
  private readonly tickets = new Map<string, Ticket>();
  /** Admissions being made ahead, by scope set: one at a time each. */
  private readonly pending = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly engine: LimitsEngine,
    options: AdmissionAheadOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.minHeadroom = options.minHeadroom ?? 2;
    this.onOutcome = options.onOutcome;
    if (!(this.maxAgeMs > 0) || !(this.minHeadroom >= 1)) {
      throw new Error('AdmissionAhead: maxAgeMs must be positive and minHeadroom at least 1');
    }
  }

  /** Same contract as `LimitsEngine.admit`. */
  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const key = scopeSetKey(request.scopes);
    const ticket = this.tickets.get(key);
    if (ticket) {
      this.drop(key, ticket);
      if (this.fits(ticket, request)) {
        this.report('taken');
        this.prepare(key, request, ticket.result.headroom - 1);
        return ticket.result;
      }
      this.report('unfit');
      void this.engine.withdraw(ticket.result.reservation);
    } else {
      this.report('missing');
    }
    const result = await this.engine.admit(request);
    if (result.ok && !result.reservation.degraded) this.prepare(key, request, result.headroom);
    return result;
  }

  /** Whether an admission made ahead waits for the next request of these scopes. */
  holds(scopes: readonly LimitScope[]): boolean {
    return this.tickets.has(scopeSetKey(scopes));
  }

  /** Resolves once no admission ahead is being made (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
  }

  /** Withdraws every admission held and makes no more (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    const held = [...this.tickets];
    for (const [key, ticket] of held) this.drop(key, ticket);
    await Promise.all(held.map(([, ticket]) => this.engine.withdraw(ticket.result.reservation)));
  }

  private fits(ticket: Ticket, request: AdmitRequest): boolean {
    const { admittedAt, reservedMicros } = ticket.result.reservation;
    const at = request.now ?? this.now();
    return (
      usdToMicros(request.reserveUsd, 'up') <= BigInt(reservedMicros) &&
      at - admittedAt <= this.maxAgeMs &&
      this.engine.sameWindows(admittedAt, at) &&
      request.scopes.every((scope, index) => sameLimits(scope.limits, ticket.limits[index]))
    );
  }

  /** Admits the scopes' next request in the background, if they have room to spare. */
  private prepare(key: string, request: AdmitRequest, headroom: number): void {
    if (this.closed || headroom < this.minHeadroom || this.pending.has(key)) return;
    const ahead: AdmitRequest = {
      requestId: randomUUID(),
      scopes: request.scopes,
      reserveUsd: request.reserveUsd,
      now: this.now(),
    };
    const making = this.engine.admit(ahead).then(
      (result) => {
        this.pending.delete(key);
        if (result.ok && !result.reservation.degraded) this.keep(key, request.scopes, result);
      },
      () => {
        this.pending.delete(key);
      },
    );
    this.pending.set(key, making);
  }

  private keep(key: string, scopes: readonly LimitScope[], result: Admitted): void {
    if (this.closed || this.tickets.has(key)) {
      void this.engine.withdraw(result.reservation);
      return;
    }
    const expiry = setTimeout(() => this.expire(key), this.maxAgeMs);
    expiry.unref();
    this.tickets.set(key, {
      result,
      limits: scopes.map((scope) => scope.limits),
      expiry,
    });
  }

  private expire(key: string): void {
    const ticket = this.tickets.get(key);
    if (!ticket) return;
    this.drop(key, ticket);
    this.report('expired');
    void this.engine.withdraw(ticket.result.reservation);
  }

  private report(outcome: AdmissionAheadOutcome): void {
    try {
      this.onOutcome?.(outcome);
    } catch {
      // A faulty metric must not fail an admission.
    }
  }

  private drop(key: string, ticket: Ticket): void {
    clearTimeout(ticket.expiry);
    this.tickets.delete(key);
  }
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
