import type { CalendarWindowSet } from './limit-windows';
import type { ScopeReadKeys } from './limits-reads';
import type { ScopeKeyPart } from './limits.scripts';
import type { LimitScopeRef } from './limits.types';
import { ScopeMemo } from './scope-memo';

/** Scopes whose key names are kept; past this the cache starts over (names are cheap to redo). */
const MAX_CACHED_SCOPES = 10_000;

interface ScopeNames {
  base: string;
  parts: Map<ScopeKeyPart, string>;
  /** The calendar keys of the windows last asked for, and which windows those were. */
  calendar: { windows: string; keys: [string, string, string] } | null;
}

/**
 * Redis key names of the limits module (layout in `limits.scripts.ts`). Every request needs
 * about twenty of them for its user and key; they are built once per scope (and per calendar
 * window), not per request.
 */
export class LimitsKeys {
  private readonly names = new ScopeMemo<ScopeNames>(MAX_CACHED_SCOPES);

  constructor(
    private readonly prefix: string,
    private readonly timeZone: string,
  ) {}

  key(scope: LimitScopeRef, part: ScopeKeyPart): string {
    const names = this.namesOf(scope);
    let key = names.parts.get(part);
    if (key === undefined) {
      key = `${names.base}${part}`;
      names.parts.set(part, key);
    }
    return key;
  }

  /** Marks a settled request id (idempotency of `settle`). */
  done(requestId: string): string {
    return `${this.prefix}done:${requestId}`;
  }

  /** Day, week and month counters; the zone is part of the name, so changing it starts afresh. */
  calendar(scope: LimitScopeRef, windows: CalendarWindowSet): [string, string, string] {
    const names = this.namesOf(scope);
    const which = `${windows.daily.key}|${windows.weekly.key}|${windows.monthly.key}`;
    if (names.calendar?.windows !== which) {
      const base = names.base;
      names.calendar = {
        windows: which,
        keys: [
          `${base}day:${this.timeZone}:${windows.daily.key}`,
          `${base}week:${this.timeZone}:${windows.weekly.key}`,
          `${base}month:${this.timeZone}:${windows.monthly.key}`,
        ],
      };
    }
    return [...names.calendar.keys];
  }

  /** The ten keys of a scope in script order. */
  scope(scope: LimitScopeRef, windows: CalendarWindowSet): string[] {
    return [
      this.key(scope, 'base'),
      this.key(scope, 'rpm'),
      this.key(scope, 'inflight'),
      this.key(scope, 'resv'),
      this.key(scope, 'roll'),
      ...this.calendar(scope, windows),
      this.key(scope, 'total'),
      this.key(scope, 'rate'),
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
      rate: this.key(scope, 'rate'),
      inflight: this.key(scope, 'inflight'),
      resv: this.key(scope, 'resv'),
      roll: this.key(scope, 'roll'),
      day,
      week,
      month,
      total: this.key(scope, 'total'),
    };
  }

  private namesOf(scope: LimitScopeRef): ScopeNames {
    let names = this.names.get(scope);
    if (!names) {
      names = {
        base: `${this.prefix}${scope.kind}:${scope.id}:`,
        parts: new Map(),
        calendar: null,
      };
      this.names.set(scope, names);
    }
    return names;
  }
}
