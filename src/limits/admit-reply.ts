import type { ScopeSnapshot } from './limit-headers';
import { BUDGET_WINDOWS, BudgetWindow, LimitScope } from './limits.types';
import { replyMicros } from './usd-micros';

/** Values per scope in the admission script's 'ok' reply (see `admitScript`). */
const SNAPSHOT_FIELDS = 10;

/**
 * What the admission script saw of each scope, from its 'ok' reply: per scope rpmCount,
 * rpmOldest, inflight, reserved, the five budget windows' spend, then the oldest rolling bucket
 * with spend (-1 if none), which `resetsAt` turns into the windows' reset instants.
 */
export function readSnapshots(
  reply: readonly unknown[],
  scopes: readonly LimitScope[],
  resetsAt: (oldestRollingBucket: number) => Record<BudgetWindow, number | null>,
): ScopeSnapshot[] {
  return scopes.map((scope, index): ScopeSnapshot => {
    const field = (offset: number) => reply[1 + index * SNAPSHOT_FIELDS + offset];
    return {
      scope,
      rpmCount: Number(field(0)),
      rpmOldest: Number(field(1)),
      inflight: Number(field(2)),
      reserved: replyMicros(field(3)),
      spent: Object.fromEntries(
        BUDGET_WINDOWS.map((window, w) => [window, replyMicros(field(4 + w))]),
      ) as Record<BudgetWindow, bigint>,
      resetsAt: resetsAt(Number(field(9))),
    };
  });
}
