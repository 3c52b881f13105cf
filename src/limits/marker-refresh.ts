import type { LimitScopeRef } from './limits.types';
import { ScopeMemo } from './scope-memo';

/** Past this many scopes the record starts over (a forgotten scope is only refreshed early). */
const MAX_SCOPES = 10_000;

/**
 * When this process last refreshed each scope's long-lived keys (the baseline marker and the
 * all-time counter, whose TTL is weeks). Refreshing them on every admission and settlement was
 * two PEXPIREs per scope per request, about a tenth of the limits scripts' Redis calls; once a
 * minute per scope per process keeps them alive just as well. A second instance, every 10 s,
 * does the same for a scope's rate, inflight and resv keys (see `admitScript`).
 */
export class MarkerRefreshes {
  /** When each scope was last claimed (ms). */
  private readonly claimed = new ScopeMemo<number>(MAX_SCOPES);

  constructor(readonly intervalMs = 60_000) {}

  /**
   * True when the scope's keys are due a refresh, which the caller then performs (the claim is
   * recorded now: if the script ends up not refreshing, the next claim comes one interval later,
   * weeks before anything could expire).
   */
  claim(scope: LimitScopeRef, now: number): boolean {
    const last = this.claimed.get(scope);
    // A clock that went back (another replica's, a test's) counts as due.
    if (last !== undefined && now >= last && now - last < this.intervalMs) return false;
    this.claimed.set(scope, now);
    return true;
  }
}
