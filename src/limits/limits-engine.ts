import type Redis from 'ioredis';
import type { Limits } from '../common/limits/limits';
import { windowLimitMicros } from './limit-headers';
import { admitResult } from './admit-reply';
import {
  calendarTtlsMs,
  CalendarWindows,
  HOUR_MS,
  oldestRateSecond,
  rateSecondOf,
  RollingWindow,
  RPM_STEP_MS,
  RPM_WINDOW_MS,
} from './limit-windows';
import { admitScript, seedScript, settleScript, withdrawScript } from './limits.scripts';
import {
  AdmitRequest,
  AdmitResult,
  BaselineWindows,
  BUDGET_WINDOWS,
  LimitsBaseline,
  LimitsBaselineSource,
  LimitScope,
  LimitScopeRef,
  LimitsOperation,
  LimitsReservation,
  LimitsUsage,
  SettleOptions,
  scopeId,
  zeroBaseline,
} from './limits.types';
import { usdToMicros } from './usd-micros';
import { LimitsKeys } from './limits-keys';
import { MarkerRefreshes } from './marker-refresh';
import { readProviderSpend, readScopeUsage } from './limits-reads';
import { withTimeout } from '../common/async/with-timeout';
import { TurnBatch } from '../common/async/turn-batch';
import { atTurnEnd } from '../common/redis/coalesced-writes';
import {
  admitCommand,
  AdmitAnswer,
  AdmitCall,
  AdmitEntry,
  LimitsCallContext,
  planAdmitCalls,
  splitByScopes,
} from './admit-batch';
import { planSettleCalls, SettleCall, settleCommand, SettleEntry } from './settle-batch';

export interface LimitsEngineOptions {
  /** Default `cch:lim:`. */
  keyPrefix?: string;
  /** IANA zone of the daily, weekly (from Monday) and monthly windows. Default `UTC`. */
  timeZone?: string;
  /** Admit when Redis (or the ledger, on a scope's first touch) fails. Default true. */
  failOpen?: boolean;
  /**
   * Safety TTL of a concurrency slot and its reservation: a gateway that dies mid-request leaks
   * them for at most this long. Must exceed the longest request. Default 30 min.
   */
  reservationTtlMs?: number;
  /** Default 5 h, in buckets of `rollingBucketMs` (default 5 min). */
  rollingWindowMs?: number;
  rollingBucketMs?: number;
  /** How long an untouched scope's counters and baseline marker live. Default 35 days. */
  baselineTtlMs?: number;
  /** Where a scope's spend comes from when Redis has no counters for it. Default: zero. */
  baselineSource?: LimitsBaselineSource;
  /**
   * Redis answered an admission (it is working, whatever failed before). Not called for what
   * `AdmissionAhead` hands over from earlier.
   */
  onAdmitAnswered?: () => void;
  /** Redis and ledger failures, which are otherwise swallowed. */
  onError?: (error: unknown, operation: LimitsOperation, scope: LimitScopeRef | null) => void;
}

/** A ledger read for a baseline that takes longer (Postgres hanging) counts as failed. */
const BASELINE_TIMEOUT_MS = 5_000;

/** `retry-after` of a fail-closed refusal while Redis (or the ledger) cannot be reached. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The settings with their defaults; the source and the `on…` callbacks stay optional. */
type ResolvedOptions = Required<Omit<LimitsEngineOptions, 'baselineSource' | `on${string}`>>;

/**
 * How often a process refreshes the TTLs of a scope's rate, inflight and resv keys, which then
 * live this long twice over past their window or slot TTL (see `admitScript`): the rate hash of
 * an idle scope stays up to 20 s longer than its 60 s.
 */
const SLOT_KEYS_REFRESH_MS = 10_000;
/**
 * How long a settled degraded request's `done` marker (idempotency of its settle) lives. A
 * second settle of the same request comes from ioredis resending the script once after a
 * reconnect (maxRetriesPerRequest 1), seconds later; nothing else settles twice. Other requests
 * need no marker: their reservation field is the proof (see `settleScript`). Each marker costs
 * Redis ~150 bytes; when every request had one, ten minutes of them were ~90 MB at 1,000
 * requests/s.
 */
export const SETTLED_MARKER_TTL_MS = 10 * 60_000;

/**
 * Rate, concurrency and budget limits of users, keys and providers, kept in Redis and shared by
 * every gateway replica. See `src/limits/README.md`; in short:
 *
 * - `admit` is one Lua call: it checks every given scope (rpm over a sliding 60 s window, slots
 *   in flight, spent + reserved + this reservation against each budget window) and, only if all
 *   pass, records the request and reserves its worst-case cost in every scope.
 * - `settle` (once per request id) frees the slot and the reservation and adds the actual cost to
 *   the windows that contain the admission instant (the ledger's `created_at`).
 * - Counters are rebuilt from the ledger when a scope's baseline marker is missing (first touch,
 *   or a Redis that lost its data), through `baselineSource`.
 *
 * Time comes from the injected clock; Redis TTLs only clean up. A single Redis (not Cluster) is
 * assumed: one admission touches keys of several scopes. Redis must not evict keys
 * (`maxmemory-policy noeviction`, as BullMQ requires anyway).
 */
export class LimitsEngine {
  private readonly options: ResolvedOptions;
  private readonly calendar: CalendarWindows;
  private readonly rolling: RollingWindow;
  private readonly markers = new MarkerRefreshes();
  private readonly keys: LimitsKeys;
  private readonly baselineSource: LimitsBaselineSource | null;
  private readonly hooks: Pick<LimitsEngineOptions, 'onError' | 'onAdmitAnswered'>;
  /** Baselines being loaded by this instance, by scope key: one ledger query per scope. */
  private readonly seeding = new Map<string, Promise<boolean>>();
  /** The admissions and settlements of one event-loop turn go to Redis as one script call. */
  private readonly admissions: TurnBatch<AdmitEntry, AdmitAnswer>;
  /** What building the batches' script calls needs. */
  private readonly context: LimitsCallContext;
  private readonly settlements: TurnBatch<SettleEntry, boolean>;

  constructor(
    private readonly redis: Redis,
    options: LimitsEngineOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = {
      keyPrefix: options.keyPrefix ?? 'cch:lim:',
      timeZone: options.timeZone ?? 'UTC',
      failOpen: options.failOpen ?? true,
      reservationTtlMs: options.reservationTtlMs ?? 30 * 60_000,
      rollingWindowMs: options.rollingWindowMs ?? 5 * HOUR_MS,
      rollingBucketMs: options.rollingBucketMs ?? 5 * 60_000,
      baselineTtlMs: options.baselineTtlMs ?? 35 * 24 * HOUR_MS,
    };
    if (!(this.options.reservationTtlMs >= 1_000) || !(this.options.baselineTtlMs >= HOUR_MS)) {
      throw new Error('LimitsEngine: reservationTtlMs must be ≥ 1 s and baselineTtlMs ≥ 1 h');
    }
    this.calendar = new CalendarWindows(this.options.timeZone);
    this.rolling = new RollingWindow(this.options.rollingWindowMs, this.options.rollingBucketMs);
    this.keys = new LimitsKeys(this.options.keyPrefix, this.options.timeZone);
    this.baselineSource = options.baselineSource ?? null;
    this.hooks = options;
    this.context = {
      keys: this.keys,
      calendar: this.calendar,
      rolling: this.rolling,
      markers: this.markers,
      slotKeys: new MarkerRefreshes(SLOT_KEYS_REFRESH_MS),
      markerTtlMs: this.options.baselineTtlMs,
      slotTtlMs: this.options.reservationTtlMs,
      rpmWindowMs: RPM_WINDOW_MS,
      rpmStepMs: RPM_STEP_MS,
      doneTtlMs: SETTLED_MARKER_TTL_MS,
    };
    const atEnd = (flush: () => void) => atTurnEnd(redis, flush);
    this.admissions = new TurnBatch(atEnd, (entries) => this.admitBatch(entries));
    this.settlements = new TurnBatch(atEnd, (entries) => this.settleBatch(entries));
  }

  get timeZone(): string {
    return this.options.timeZone;
  }

  /**
   * Checks and, if every scope admits, charges the request: one round trip once warmed up,
   * shared with the other admissions of the same event-loop turn (see `admitBatch`).
   */
  async admit(input: AdmitRequest): Promise<AdmitResult> {
    // A scope given twice would be reserved twice but released once.
    const seen = new Set<string>();
    const scopes = input.scopes.filter((scope) => {
      const id = scopeId(scope);
      return seen.has(id) ? false : (seen.add(id), true);
    });
    const request: AdmitRequest = { ...input, scopes };
    try {
      const reserve = usdToMicros(request.reserveUsd, 'up');
      let answer = await this.admissions.add({ request, reserve });
      while (answer !== null && 'later' in answer) answer = await answer.later;
      if (answer === null) return this.unavailable();
      const { now } = answer;
      return admitResult(request, answer, reserve, (rollOldest) => {
        const windows = this.calendar.at(now);
        return {
          '5h': rollOldest >= 0 ? this.rolling.expiryOf(rollOldest) : null,
          daily: windows.daily.resetAt,
          weekly: windows.weekly.resetAt,
          monthly: windows.monthly.resetAt,
          total: null,
        };
      });
    } catch (error) {
      this.reportError(error, 'admit', null);
      if (!this.options.failOpen) return this.unavailable();
      const reservation: LimitsReservation = {
        requestId: request.requestId,
        admittedAt: request.now ?? this.now(),
        scopes: request.scopes.map(({ kind, id }) => ({ kind, id })),
        reservedMicros: '0',
        degraded: true,
      };
      return { ok: true, reservation, headers: {}, headroom: 0 };
    }
  }

  /**
   * Frees the request's slots and reservation and charges `actualUsd` to every scope (the
   * provider replaced per `options`). Idempotent: returns false if the request was settled
   * already (or Redis failed, which is reported); never throws.
   */
  async settle(
    reservation: LimitsReservation,
    actualUsd: string,
    options: SettleOptions = {},
  ): Promise<boolean> {
    try {
      const actual = usdToMicros(actualUsd, 'half-up');
      let charged = reservation.scopes;
      if (options.providerId !== undefined) {
        charged = charged.filter((scope) => scope.kind !== 'provider');
        if (options.providerId !== null) charged.push({ kind: 'provider', id: options.providerId });
      }
      return await this.settlements.add({
        requestId: reservation.requestId,
        admittedAt: reservation.admittedAt,
        degraded: reservation.degraded,
        released: reservation.scopes,
        charged,
        actual,
      });
    } catch (error) {
      this.reportError(error, 'settle', null);
      return false;
    }
  }

  /** Settle with nothing (or what a failed request cost anyway) charged. */
  release(reservation: LimitsReservation, partialUsd = '0'): Promise<boolean> {
    return this.settle(reservation, partialUsd);
  }

  /**
   * Takes back an admission that no request used (an admission made ahead, see
   * `AdmissionAhead`): releases it and also removes it from the rpm windows, as if it had never
   * been admitted.
   */
  async withdraw(reservation: LimitsReservation): Promise<boolean> {
    const uncounted = withdrawScript
      .run(
        this.redis,
        reservation.scopes.map((scope) => this.keys.key(scope, 'rate')),
        [rateSecondOf(reservation.admittedAt), oldestRateSecond(this.now())],
      )
      .catch((error: unknown) => this.reportError(error, 'settle', null));
    const [released] = await Promise.all([this.release(reservation), uncounted]);
    return released;
  }

  /**
   * Whether a request at `a` and one at `b` are charged to the same windows: the same rolling
   * bucket and the same calendar day (weeks and months begin on a day boundary).
   */
  sameWindows(a: number, b: number): boolean {
    return (
      this.rolling.bucketOf(a) === this.rolling.bucketOf(b) &&
      this.calendar.at(a).daily.start === this.calendar.at(b).daily.start
    );
  }

  /**
   * Providers whose spend has reached one of their budgets (reservations not counted: they may
   * still come back), to leave out of routing until the window resets. One pipelined read, plus
   * a ledger rebuild for providers Redis knows nothing about. Fails open (empty set).
   */
  async exhaustedProviders(
    providers: readonly { id: string; limits: Limits }[],
    now: number = this.now(),
  ): Promise<Set<string>> {
    const exhausted = new Set<string>();
    const budgeted = providers
      .map((provider): LimitScope => ({ kind: 'provider', ...provider }))
      .filter((scope) => BUDGET_WINDOWS.some((w) => windowLimitMicros(scope.limits, w) !== null));
    if (budgeted.length === 0) return exhausted;
    try {
      let spends = await readProviderSpend(
        this.redis,
        budgeted,
        (scope) => this.keys.read(scope, this.calendar.at(now)),
        this.rolling.oldestBucket(now),
      );
      const missing = budgeted.filter((_, index) => !spends[index].marked);
      if (missing.length > 0 && (await this.ensureBaselines(missing, now))) {
        spends = await readProviderSpend(
          this.redis,
          budgeted,
          (scope) => this.keys.read(scope, this.calendar.at(now)),
          this.rolling.oldestBucket(now),
        );
      }
      budgeted.forEach((scope, index) => {
        const spent = spends[index].spent;
        const over = BUDGET_WINDOWS.some((window) => {
          const limit = windowLimitMicros(scope.limits, window);
          return limit !== null && spent[window] >= limit;
        });
        if (over) exhausted.add(scope.id);
      });
    } catch (error) {
      this.reportError(error, 'exhaustedProviders', null);
    }
    return exhausted;
  }

  /** A scope's limits and what is used of them, for `/api/me`; null if Redis fails. */
  async windowUsage(scope: LimitScope, now: number = this.now()): Promise<LimitsUsage | null> {
    try {
      const keys = this.keys.read(scope, this.calendar.at(now));
      const oldest = this.rolling.oldestBucket(now);
      let usage = await readScopeUsage(this.redis, keys, now, oldest);
      if (!usage.marked && (await this.ensureBaselines([scope], now))) {
        usage = await readScopeUsage(this.redis, keys, now, oldest);
      }
      const windows = this.calendar.at(now);
      return usage.toLimitsUsage(scope.limits, {
        '5h':
          usage.oldestSpentBucket === null ? null : this.rolling.expiryOf(usage.oldestSpentBucket),
        daily: windows.daily.resetAt,
        weekly: windows.weekly.resetAt,
        monthly: windows.monthly.resetAt,
        total: null,
      });
    } catch (error) {
      this.reportError(error, 'windowUsage', { kind: scope.kind, id: scope.id });
      return null;
    }
  }

  /** The windows a baseline is split at, for the ledger query. */
  baselineWindows(now: number): BaselineWindows {
    const windows = this.calendar.at(now);
    return {
      now,
      rollingBucketMs: this.rolling.bucketMs,
      rollingOldestBucket: this.rolling.oldestBucket(now),
      dailyStart: windows.daily.start,
      weeklyStart: windows.weekly.start,
      monthlyStart: windows.monthly.start,
    };
  }

  /**
   * Loads and writes the baseline of every scope lacking one (SET NX: the first writer wins,
   * the others' results are dropped). False if any could not be loaded (reported).
   */
  private async ensureBaselines(scopes: readonly LimitScopeRef[], now: number): Promise<boolean> {
    const results = await Promise.all(
      scopes.map((scope) => {
        const id = this.keys.key(scope, 'base');
        let pending = this.seeding.get(id);
        if (!pending) {
          pending = this.seed(scope, now).finally(() => this.seeding.delete(id));
          this.seeding.set(id, pending);
        }
        return pending;
      }),
    );
    return results.every(Boolean);
  }

  private async seed(scope: LimitScopeRef, now: number): Promise<boolean> {
    // Another gateway (or an earlier call here) may have written it meanwhile: skip the query.
    if ((await this.redis.exists(this.keys.key(scope, 'base'))) === 1) return true;
    let baseline: LimitsBaseline;
    try {
      baseline = this.baselineSource
        ? await withTimeout(
            this.baselineSource.load(scope, this.baselineWindows(now)),
            BASELINE_TIMEOUT_MS,
          )
        : zeroBaseline();
    } catch (error) {
      this.reportError(error, 'rebuild', scope);
      return false;
    }
    const windows = this.calendar.at(now);
    const oldest = this.rolling.oldestBucket(now);
    const buckets = [...baseline.rollingBuckets].filter(([b, v]) => b >= oldest && v > 0n);
    await seedScript.run(this.redis, this.keys.spend(scope, windows), [
      this.options.baselineTtlMs,
      Math.max(
        1_000,
        this.rolling.expiryOf(this.rolling.bucketOf(now)) - now + this.rolling.bucketMs,
      ),
      ...calendarTtlsMs(windows, now),
      baseline.daily.toString(),
      baseline.weekly.toString(),
      baseline.monthly.toString(),
      baseline.total.toString(),
      ...buckets.flatMap(([b, v]) => [b, v.toString()]),
    ]);
    return true;
  }

  /** One turn's admissions: one script call per instant (see `planAdmitCalls`), sent in order. */
  private async admitBatch(entries: AdmitEntry[]): Promise<AdmitAnswer[]> {
    const calls = planAdmitCalls(entries, this.now());
    const answers = await Promise.all(calls.map((call) => this.runAdmitCall(call)));
    return answers.flat();
  }

  /** `checkBaseline` false: scopes whose baseline could not be loaded use live counters only. */
  private async runAdmitCall(call: AdmitCall, checkBaseline = true): Promise<AdmitAnswer[]> {
    const { keys, args } = admitCommand(call, this.context);
    args[0] = checkBaseline ? 1 : 0;
    const reply = await admitScript.run(this.redis, keys, args);
    if (Array.isArray(reply) && reply[0] === 'baseline') {
      return this.admitAroundSeeding(call, new Set(reply.slice(1).map((i) => Number(i) - 1)));
    }
    // One reply per admission, then the spend of the call's scopes.
    if (!Array.isArray(reply) || reply.length !== call.entries.length + 1) {
      throw new Error('LimitsEngine: unexpected admit reply');
    }
    this.hooks.onAdmitAnswered?.();
    const spent: unknown = reply[call.entries.length];
    if (!Array.isArray(spent)) throw new Error('LimitsEngine: unexpected admit reply');
    return call.entries.map((_, index) => {
      const answer: unknown = reply[index];
      if (!Array.isArray(answer)) throw new Error('LimitsEngine: unexpected admit reply');
      return {
        now: call.now,
        reply: answer as unknown[],
        spent: spent as unknown[],
        positions: call.positions[index],
      };
    });
  }

  /**
   * Some scopes of the call have no baseline yet. The admissions that need none of them go
   * again at once; the others wait for the ledger (up to 5 s when Postgres hangs), so a new
   * user's first request never holds up the requests it happened to share a turn with.
   */
  private async admitAroundSeeding(call: AdmitCall, missing: Set<number>): Promise<AdmitAnswer[]> {
    const { ready, waiting, merge } = splitByScopes(call, missing);
    const rerun = (entries: AdmitEntry[], check: boolean) =>
      Promise.all(planAdmitCalls(entries, call.now).map((c) => this.runAdmitCall(c, check)));
    const seeding = this.ensureBaselines(
      [...missing].map((index) => call.scopes[index]),
      call.now,
    );
    // Answered later, one by one, so the batch resolves with the ready ones' answers now.
    const later = seeding.then(async (seeded) => {
      if (!seeded && !this.options.failOpen) return waiting.map(() => null);
      return (await rerun(waiting, false)).flat();
    });
    const waitingAnswers = waiting.map((_, index) => ({ later: later.then((all) => all[index]) }));
    return merge((await rerun(ready, true)).flat(), waitingAnswers);
  }

  /** One turn's settlements, grouped by scope and window set (see `planSettleCalls`). */
  private async settleBatch(entries: SettleEntry[]): Promise<boolean[]> {
    const calls = planSettleCalls(entries, (at) => {
      return `${this.rolling.bucketOf(at)}|${this.calendar.at(at).daily.start}`;
    });
    const replies = await Promise.all(calls.map((call) => this.runSettleCall(call)));
    return replies.flat();
  }

  private async runSettleCall(call: SettleCall): Promise<boolean[]> {
    const now = this.now();
    const { keys, args } = settleCommand(call, now, this.context);
    const reply = await settleScript.run(this.redis, keys, args);
    if (!Array.isArray(reply) || reply.length !== call.entries.length) {
      throw new Error('LimitsEngine: unexpected settle reply');
    }
    return reply.map((settled) => settled === 1);
  }

  private unavailable(): AdmitResult {
    // Redis or ledger outages are usually short (failover, restart): worth a retry soon.
    return {
      ok: false,
      kind: 'unavailable',
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
      headers: {},
    };
  }

  private reportError(error: unknown, operation: LimitsOperation, scope: LimitScopeRef | null) {
    try {
      this.hooks.onError?.(error, operation, scope);
    } catch {
      // A faulty logger must not turn a swallowed Redis error into a failed request.
    }
  }
}
