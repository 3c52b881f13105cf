import type { LimitScopeRef } from './limits.types';

/**
 * A per-process memo keyed by limit scope: kind → id → value, two map lookups instead of
 * building a key string per request. Past `maxScopes` scopes it starts over instead of growing
 * (a forgotten scope only costs its value being worked out again).
 */
export class ScopeMemo<T> {
  private readonly byKind = new Map<string, Map<string, T>>();
  private scopes = 0;

  constructor(private readonly maxScopes: number) {}

  get(scope: LimitScopeRef): T | undefined {
    return this.byKind.get(scope.kind)?.get(scope.id);
  }

  set(scope: LimitScopeRef, value: T): void {
    let ofKind = this.byKind.get(scope.kind);
    if (ofKind?.has(scope.id) !== true) {
      if (this.scopes >= this.maxScopes) {
        this.byKind.clear();
        this.scopes = 0;
        ofKind = undefined;
      }
      this.scopes += 1;
    }
    if (!ofKind) {
      ofKind = new Map();
      this.byKind.set(scope.kind, ofKind);
    }
    ofKind.set(scope.id, value);
  }
}
