import type { LimitsCallContext } from './admit-batch';
import { calendarTtlsMs } from './limit-windows';
import { type LimitScopeRef, scopeId } from './limits.types';

/** One settlement waiting for its turn's batch. */
export interface SettleEntry {
  requestId: string;
  admittedAt: number;
  /**
   * Admitted while Redis failed: it holds nothing in Redis, so a `done` marker, not its
   * reservation, says whether it was settled (see `settleScript`). So does an admission of no
   * scope.
   */
  degraded: boolean;
  /** Scopes whose slot and reservation are released. */
  released: readonly LimitScopeRef[];
  /** Scopes charged `actual` micro-dollars. */
  charged: readonly LimitScopeRef[];
  actual: bigint;
}

export interface ReleaseGroup {
  scope: LimitScopeRef;
  /** Indexes of the call's entries. */
  entries: number[];
}

/** One scope charged in the windows of one admission instant (same rolling bucket and day). */
export interface ChargeGroup {
  scope: LimitScopeRef;
  admittedAt: number;
  /** Entry index and amount, per charge. */
  charges: [number, bigint][];
}

export interface SettleCall {
  entries: SettleEntry[];
  releases: ReleaseGroup[];
  charges: ChargeGroup[];
}

/** As for admissions (see `MAX_ADMISSIONS_PER_CALL`). */
export const MAX_SETTLEMENTS_PER_CALL = 64;

/**
 * Groups a turn's settlements into script calls: per call, each scope's releases together, and
 * each scope's charges together per window set (`windowsOf` names the windows of an instant).
 * A zero charge changes nothing and is left out.
 */
export function planSettleCalls(
  entries: readonly SettleEntry[],
  windowsOf: (instant: number) => string,
): SettleCall[] {
  const calls: SettleCall[] = [];
  for (let start = 0; start < entries.length; start += MAX_SETTLEMENTS_PER_CALL) {
    const slice = entries.slice(start, start + MAX_SETTLEMENTS_PER_CALL);
    const releases = new Map<string, ReleaseGroup>();
    const charges = new Map<string, ChargeGroup>();
    slice.forEach((entry, index) => {
      for (const scope of entry.released) {
        const id = scopeId(scope);
        const group = releases.get(id) ?? { scope, entries: [] };
        group.entries.push(index);
        releases.set(id, group);
      }
      if (entry.actual === 0n) return;
      const windows = windowsOf(entry.admittedAt);
      for (const scope of entry.charged) {
        const id = `${scopeId(scope)}|${windows}`;
        const group = charges.get(id) ?? { scope, admittedAt: entry.admittedAt, charges: [] };
        group.charges.push([index, entry.actual]);
        charges.set(id, group);
      }
    });
    calls.push({
      entries: slice,
      releases: [...releases.values()],
      charges: [...charges.values()],
    });
  }
  return calls;
}

/** The settlement script's keys and arguments for one call (layout in `limits.scripts.ts`). */
export function settleCommand(
  call: SettleCall,
  now: number,
  context: LimitsCallContext,
): { keys: string[]; args: (string | number)[] } {
  const { keys: names, calendar, rolling, markers } = context;
  const keys: string[] = [];
  const marked: number[] = [];
  call.entries.forEach((entry, index) => {
    // Without a reservation in some scope, nothing in Redis can prove the settlement once.
    if (!entry.degraded && entry.released.length > 0) return;
    keys.push(names.done(entry.requestId));
    marked.push(index + 1);
  });
  const args: (string | number)[] = [
    call.entries.length,
    call.releases.length,
    call.charges.length,
    rolling.oldestBucket(now),
    context.markerTtlMs,
    context.doneTtlMs,
    rolling.buckets,
    marked.length,
    ...call.entries.map((entry) => entry.requestId),
    ...marked,
  ];
  for (const group of call.releases) {
    keys.push(names.key(group.scope, 'inflight'), names.key(group.scope, 'resv'));
    args.push(group.entries.length, ...group.entries.map((index) => index + 1));
  }
  for (const group of call.charges) {
    const windows = calendar.at(group.admittedAt);
    const bucket = rolling.bucketOf(group.admittedAt);
    keys.push(...names.spend(group.scope, windows));
    args.push(
      bucket,
      Math.max(1_000, rolling.expiryOf(bucket) - now + rolling.bucketMs),
      ...calendarTtlsMs(windows, now),
      // '1' = refreshed lately, leave it; '0' = due, refresh it now.
      markers.claim(group.scope, now) ? '0' : '1',
      group.charges.length,
    );
    for (const [index, amount] of group.charges) args.push(index + 1, amount.toString());
  }
  return { keys, args };
}
