import type { CalendarWindowSet } from './limit-windows';
import type { ScopeReadKeys } from './limits-reads';
import type { ScopeKeyPart } from './limits.scripts';
import type { LimitScopeRef } from './limits.types';

/** Redis key names of the limits module (layout in `limits.scripts.ts`). */
export class LimitsKeys {
  constructor(
    private readonly prefix: string,
    private readonly timeZone: string,
  ) {}

  key(scope: LimitScopeRef, part: ScopeKeyPart): string {
    return `${this.prefix}${scope.kind}:${scope.id}:${part}`;
  }

  /** Marks a settled request id (idempotency of `settle`). */
  done(requestId: string): string {
    return `${this.prefix}done:${requestId}`;
  }

  /** Day, week and month counters; the zone is part of the name, so changing it starts afresh. */
  calendar(scope: LimitScopeRef, windows: CalendarWindowSet): [string, string, string] {
    const base = `${this.prefix}${scope.kind}:${scope.id}:`;
    return [
      `${base}day:${this.timeZone}:${windows.daily.key}`,
      `${base}week:${this.timeZone}:${windows.weekly.key}`,
      `${base}month:${this.timeZone}:${windows.monthly.key}`,
    ];
  }

  /** The nine keys of a scope in script order. */
  scope(scope: LimitScopeRef, windows: CalendarWindowSet): string[] {
    return [
      this.key(scope, 'base'),
      this.key(scope, 'rpm'),
      this.key(scope, 'inflight'),
      this.key(scope, 'resv'),
      this.key(scope, 'roll'),
      ...this.calendar(scope, windows),
      this.key(scope, 'total'),
    ];
  }

  /** base, roll, day, week, month, total: what settlement and seeding write. */
  spend(scope: LimitScopeRef, windows: CalendarWindowSet): string[] {
    return [
      this.key(scope, 'base'),
      this.key(scope, 'roll'),
      ...this.calendar(scope, windows),
      this.key(scope, 'total'),
    ];
  }

  read(scope: LimitScopeRef, windows: CalendarWindowSet): ScopeReadKeys {
    const [day, week, month] = this.calendar(scope, windows);
    return {
      base: this.key(scope, 'base'),
      rpm: this.key(scope, 'rpm'),
      inflight: this.key(scope, 'inflight'),
      resv: this.key(scope, 'resv'),
      roll: this.key(scope, 'roll'),
      day,
      week,
      month,
      total: this.key(scope, 'total'),
    };
  }
}
