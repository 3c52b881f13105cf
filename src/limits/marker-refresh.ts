import type { LimitScopeRef } from './limits.types';

/** Past this many scopes the record starts over (a forgotten scope is only refreshed early). */
const MAX_SCOPES = 10_000;

/**
 * When this process last refreshed each scope's long-lived keys (the baseline marker and the
 * all-time counter, whose TTL is weeks). Refreshing them on every admission and settlement was
 * two PEXPIREs per scope per request, about a tenth of the limits scripts' Redis calls; once a
 * minute per scope per process keeps them alive just as well.
 */
export class MarkerRefreshes {
  /** kind → id → when last claimed (ms). */
  private readonly claimed = new Map<string, Map<string, number>>();
  private scopes = 0;

  constructor(private readonly intervalMs = 60_000) {}

  /**
   * True when the scope's keys are due a refresh, which the caller then performs (the claim is
   * recorded now: if the script ends up not refreshing, the next claim comes one interval later,
   * weeks before anything could expire).
   */
  claim(scope: LimitScopeRef, now: number): boolean {
    let ofKind = this.claimed.get(scope.kind);
    if (!ofKind) {
      ofKind = new Map();
      this.claimed.set(scope.kind, ofKind);
    }
    const last = ofKind.get(scope.id);
    // A clock that went back (another replica's, a test's) counts as due.
    if (last !== undefined && now >= last && now - last < this.intervalMs) return false;
    if (last === undefined) {
      if (this.scopes >= MAX_SCOPES) {
        this.claimed.clear();
        this.scopes = 0;
        return this.claim(scope, now);
      }
      this.scopes += 1;
    }
    ofKind.set(scope.id, now);
    return true;
  }
}
