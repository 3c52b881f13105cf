import { admittedHeaders, refusedHeaders, ScopeSnapshot, windowLimitMicros } from './limit-headers';
import { LimitScope } from './limits.types';

const NOW = Date.parse('2024-03-15T10:00:00Z');

function snapshot(scope: LimitScope, overrides: Partial<ScopeSnapshot> = {}): ScopeSnapshot {
  return {
    scope,
    rpmCount: 1,
    rpmOldest: NOW - 20_000,
    inflight: 1,
    reserved: 0n,
    spent: { '5h': 0n, daily: 0n, weekly: 0n, monthly: 0n, total: 0n },
    resetsAt: {
      '5h': null,
      daily: Date.parse('2024-03-16T00:00:00Z'),
      weekly: null,
      monthly: null,
      total: null,
    },
    ...overrides,
  };
}

describe('rate-limit headers', () => {
  it('should show the tighter of user and key, and never a provider', () => {
    const headers = admittedHeaders(
      [
        snapshot({ kind: 'user', id: 'u', limits: { rpm: 100, usdDaily: '10' } }, { rpmCount: 10 }),
        snapshot(
          { kind: 'key', id: 'k', limits: { rpm: 20, usdDaily: '50' } },
          {
            rpmCount: 15,
            spent: { '5h': 0n, daily: 1_000_000n, weekly: 0n, monthly: 0n, total: 0n },
          },
        ),
        snapshot({ kind: 'provider', id: 'p', limits: { rpm: 1, usdDaily: '1' } }, { rpmCount: 1 }),
      ],
      NOW,
    );
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '20',
      'x-ratelimit-remaining-requests': '5',
      'x-ratelimit-reset-requests': '40s',
      'x-ratelimit-limit-usd-daily': '10',
      'x-ratelimit-remaining-usd-daily': '10',
      'x-ratelimit-reset-usd-daily': '50400s',
    });
  });

  it('should deduct reservations from what remains, never below zero', () => {
    const headers = admittedHeaders(
      [
        snapshot(
          { kind: 'user', id: 'u', limits: { usd5h: '1' } },
          {
            reserved: 400_000n,
            spent: { '5h': 900_000n, daily: 0n, weekly: 0n, monthly: 0n, total: 0n },
          },
        ),
        snapshot({ kind: 'key', id: 'k', limits: { usdTotal: '2.5' } }, { reserved: 500_000n }),
      ],
      NOW,
    );
    expect(headers).toEqual({
      'x-ratelimit-limit-usd-5h': '1',
      'x-ratelimit-remaining-usd-5h': '0',
      'x-ratelimit-limit-usd-total': '2.5',
      'x-ratelimit-remaining-usd-total': '2',
    });
  });

  it('should describe a refusal with retry-after', () => {
    const user: LimitScope = { kind: 'user', id: 'u', limits: { rpm: 5, usdDaily: '3' } };
    expect(refusedHeaders(user, 'rate', undefined, 12)).toEqual({
      'retry-after': '12',
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12s',
    });
    expect(refusedHeaders(user, 'budget', 'daily', null)).toEqual({
      'x-ratelimit-limit-usd-daily': '3',
    });
    expect(refusedHeaders({ ...user, kind: 'provider' }, 'rate', undefined, 3)).toEqual({
      'retry-after': '3',
    });
  });

  it('should read a limit as it is now, even from an object seen before with another amount', () => {
    const limits: { usdDaily?: string } = { usdDaily: '2.5000009' };
    expect(windowLimitMicros(limits, 'daily')).toBe(2_500_000n);
    limits.usdDaily = '7';
    expect(windowLimitMicros(limits, 'daily')).toBe(7_000_000n);
    expect(windowLimitMicros(limits, 'weekly')).toBeNull();
    expect(windowLimitMicros({ usdWeekly: '2.5000009' }, 'weekly')).toBe(2_500_000n);
  });
});
