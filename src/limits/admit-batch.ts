import { windowLimitMicros } from './limit-headers';
import type { CalendarWindows, RollingWindow } from './limit-windows';
import type { LimitsKeys } from './limits-keys';
import { AdmitRequest, BUDGET_WINDOWS, LimitScope, scopeId } from './limits.types';
import type { MarkerRefreshes } from './marker-refresh';

/** One admission waiting for its turn's batch (scopes already deduplicated). */
export interface AdmitEntry {
  request: AdmitRequest;
  /** The reservation in micro-dollars. */
  reserve: bigint;
}

/**
 * The script's answer to one admission: its own reply, and the spend of the call's scopes (sent
 * once per call), with where the admission's scopes are among them.
 */
export interface AdmitReply {
  now: number;
  reply: unknown[];
  /** Per scope of the call: the five windows' spend, then the oldest rolling bucket with spend. */
  spent: unknown[];
  /** The admission's scopes as indexes into the call's scopes. */
  positions: number[];
}

/**
 * What the batch answered one admission: the script's reply, null = unavailable, or an answer
 * still to come (its scopes' baselines are being loaded) that must not hold up the rest.
 */
export type AdmitAnswer = AdmitReply | { later: Promise<AdmitAnswer> } | null;

/**
 * The admissions of one script call: one instant, each scope once with one set of limits.
 * `scopes[i]` is the script's scope i + 1; `positions[e]` lists entry e's scopes by that index.
 */
export interface AdmitCall {
  now: number;
  entries: AdmitEntry[];
  scopes: LimitScope[];
  /** The 7 limit arguments of each scope (rpm, concurrency, five budgets). */
  limitArgs: string[][];
  positions: number[][];
  byId: Map<string, number>;
}

/**
 * More admissions than this in one call wait for the next call of the same turn: a call runs
 * alone in Redis, and its variadic commands grow with it.
 */
export const MAX_ADMISSIONS_PER_CALL = 64;

/** rpm, concurrency and the five budgets of a scope, as the admission script takes them. */
export function scopeLimitArgs(scope: LimitScope): string[] {
  const { limits } = scope;
  return [
    String(limits.rpm ?? -1),
    String(limits.concurrentSessions ?? -1),
    ...BUDGET_WINDOWS.map((window) => (windowLimitMicros(limits, window) ?? -1n).toString()),
  ];
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Whether `entry` may join `call`: same instant, room left, no scope with other limits. */
function fits(call: AdmitCall, entry: AdmitEntry, now: number): boolean {
  if (call.now !== now || call.entries.length >= MAX_ADMISSIONS_PER_CALL) return false;
  return entry.request.scopes.every((scope) => {
    const index = call.byId.get(scopeId(scope));
    return (
      index === undefined ||
      call.scopes[index].limits === scope.limits ||
      sameArgs(call.limitArgs[index], scopeLimitArgs(scope))
    );
  });
}

/**
 * Splits a turn's admissions into script calls, in order. An admission joins the last call when
 * it has the same instant (explicit `now`, else `batchNow`), the call has room, and each of its
 * scopes is new to the call or has the same limits there (limits changed mid-turn start a call).
 */
export function planAdmitCalls(entries: readonly AdmitEntry[], batchNow: number): AdmitCall[] {
  const calls: AdmitCall[] = [];
  for (const entry of entries) {
    const now = entry.request.now ?? batchNow;
    let call = calls.at(-1);
    if (call === undefined || !fits(call, entry, now)) {
      call = { now, entries: [], scopes: [], limitArgs: [], positions: [], byId: new Map() };
      calls.push(call);
    }
    const positions: number[] = [];
    for (const scope of entry.request.scopes) {
      const id = scopeId(scope);
      let index = call.byId.get(id);
      if (index === undefined) {
        index = call.scopes.length;
        call.byId.set(id, index);
        call.scopes.push(scope);
        call.limitArgs.push(scopeLimitArgs(scope));
      }
      positions.push(index);
    }
    call.entries.push(entry);
    call.positions.push(positions);
  }
  return calls;
}

/** What building the limits scripts' calls (admission and settlement) needs of the engine. */
export interface LimitsCallContext {
  keys: LimitsKeys;
  calendar: CalendarWindows;
  rolling: RollingWindow;
  markers: MarkerRefreshes;
  /** When each scope's rate, inflight and resv keys are due a TTL refresh (see `admitScript`). */
  slotKeys: MarkerRefreshes;
  /** TTL of a scope's baseline marker and all-time counter. */
  markerTtlMs: number;
  /** TTL of a concurrency slot and its reservation. */
  slotTtlMs: number;
  rpmWindowMs: number;
  /** The step of the request window's rate hash. */
  rpmStepMs: number;
  /** TTL of a settled request's `done` marker. */
  doneTtlMs: number;
}

/**
 * The admission script's keys and arguments for one call (layout in `limits.scripts.ts`); the
 * first argument, 1, asks the script to check the scopes' baseline markers.
 */
export function admitCommand(
  call: AdmitCall,
  context: LimitsCallContext,
): { keys: string[]; args: (string | number)[] } {
  const { now, scopes } = call;
  const { rolling, markers } = context;
  const windows = context.calendar.at(now);
  const keys = scopes.flatMap((scope) => context.keys.scope(scope, windows));
  const args: (string | number)[] = [
    1,
    now,
    context.slotTtlMs,
    rolling.oldestBucket(now),
    rolling.buckets,
    rolling.bucketMs,
    context.markerTtlMs,
    context.rpmWindowMs,
    windows.daily.resetAt,
    windows.weekly.resetAt,
    windows.monthly.resetAt,
    scopes.length,
    call.entries.length,
    context.rpmWindowMs + 2 * context.slotKeys.intervalMs,
    context.slotTtlMs + 2 * context.slotKeys.intervalMs,
    context.rpmStepMs,
  ];
  scopes.forEach((scope, index) => {
    args.push(
      ...call.limitArgs[index],
      markers.claim(scope, now) ? 1 : 0,
      context.slotKeys.claim(scope, now) ? 1 : 0,
    );
  });
  call.entries.forEach((entry, e) => {
    const positions = call.positions[e];
    args.push(entry.request.requestId, entry.reserve.toString(), positions.length);
    for (const index of positions) args.push(index + 1);
  });
  return { keys, args };
}

/**
 * Splits a call's admissions into those touching none of the `scopes` (call indexes) and those
 * touching some; `merge` puts their answers back in the call's order.
 */
export function splitByScopes(
  call: AdmitCall,
  scopes: ReadonlySet<number>,
): {
  ready: AdmitEntry[];
  waiting: AdmitEntry[];
  merge: (ready: AdmitAnswer[], waiting: AdmitAnswer[]) => AdmitAnswer[];
} {
  const waits = call.positions.map((positions) => positions.some((index) => scopes.has(index)));
  return {
    ready: call.entries.filter((_, e) => !waits[e]),
    waiting: call.entries.filter((_, e) => waits[e]),
    merge: (ready, waiting) => {
      let r = 0;
      let w = 0;
      return waits.map((wait) => (wait ? waiting[w++] : ready[r++]));
    },
  };
}
