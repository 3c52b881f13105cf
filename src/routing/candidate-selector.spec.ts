import { ProviderType } from '../providers/provider.entity';
import { isEligible, orderCandidates, RoutableProvider, RouteRequest } from './candidate-selector';
import { seededRandom } from '../../test/support/random-splits';

function provider(id: string, overrides: Partial<RoutableProvider> = {}): RoutableProvider {
  return {
    id,
    type: ProviderType.Anthropic,
    groups: ['default'],
    models: [],
    modelRedirects: {},
    priority: 0,
    weight: 1,
    enabled: true,
    ...overrides,
  };
}

function request(overrides: Partial<RouteRequest> = {}): RouteRequest {
  return {
    protocols: [ProviderType.Anthropic],
    group: 'default',
    model: 'claude-sonnet-4',
    stickyProviderId: null,
    excluded: new Set<string>(),
    ...overrides,
  };
}

function ids(list: readonly RoutableProvider[]): string[] {
  return list.map((p) => p.id);
}

/** Share of draws in which each provider came first. */
function firstPickShares(
  providers: readonly RoutableProvider[],
  draws: number,
  seed: number,
): Map<string, number> {
  const random = seededRandom(seed);
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i += 1) {
    const first = orderCandidates(providers, request(), random)[0].id;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return new Map([...counts].map(([id, count]) => [id, count / draws]));
}

describe('orderCandidates', () => {
  it('should split first picks in proportion to weight (3:1 ≈ 75/25)', () => {
    const shares = firstPickShares(
      [provider('a', { weight: 3 }), provider('b', { weight: 1 })],
      20_000,
      42,
    );
    expect(shares.get('a')).toBeGreaterThan(0.72);
    expect(shares.get('a')).toBeLessThan(0.78);
    expect(shares.get('b')).toBeGreaterThan(0.22);
    expect(shares.get('b')).toBeLessThan(0.28);
  });

  it('should split first picks in proportion to weight across three providers (1:1:2)', () => {
    const shares = firstPickShares(
      [provider('a', { weight: 1 }), provider('b', { weight: 1 }), provider('c', { weight: 2 })],
      20_000,
      7,
    );
    expect(Math.abs((shares.get('a') ?? 0) - 0.25)).toBeLessThan(0.03);
    expect(Math.abs((shares.get('b') ?? 0) - 0.25)).toBeLessThan(0.03);
    expect(Math.abs((shares.get('c') ?? 0) - 0.5)).toBeLessThan(0.03);
  });

  it('should sample without replacement: second place follows the remaining weights', () => {
    // Weights 2:1:1. When `a` is first, `b` and `c` share second place evenly; when `b` is first,
    // `a` takes second place with probability 2/3.
    const providers = [
      provider('a', { weight: 2 }),
      provider('b', { weight: 1 }),
      provider('c', { weight: 1 }),
    ];
    const random = seededRandom(99);
    let bFirst = 0;
    let aSecondGivenBFirst = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const order = ids(orderCandidates(providers, request(), random));
      expect([...order].sort()).toEqual(['a', 'b', 'c']);
      if (order[0] === 'b') {
        bFirst += 1;
        if (order[1] === 'a') {
          aSecondGivenBFirst += 1;
        }
      }
    }
    expect(Math.abs(bFirst / 20_000 - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(aSecondGivenBFirst / bFirst - 2 / 3)).toBeLessThan(0.03);
  });

  it('should keep priority tiers strictly ordered whatever the weights', () => {
    const providers = [
      provider('low-1', { priority: 5, weight: 100 }),
      provider('high-1', { priority: 0, weight: 1 }),
      provider('mid-1', { priority: 1, weight: 50 }),
      provider('high-2', { priority: 0, weight: 1 }),
      provider('low-2', { priority: 5, weight: 100 }),
      provider('neg', { priority: -1, weight: 1 }),
    ];
    const random = seededRandom(1);
    for (let i = 0; i < 200; i += 1) {
      const order = ids(orderCandidates(providers, request(), random));
      expect(order[0]).toBe('neg');
      expect(order.slice(1, 3).sort()).toEqual(['high-1', 'high-2']);
      expect(order[3]).toBe('mid-1');
      expect(order.slice(4).sort()).toEqual(['low-1', 'low-2']);
    }
  });

  it('should put zero weights after the positive ones of their tier, in stable order', () => {
    const providers = [
      provider('z1', { weight: 0 }),
      provider('p1', { weight: 1 }),
      provider('z2', { weight: 0 }),
      provider('p2', { weight: 5 }),
      provider('next-tier', { priority: 1, weight: 1 }),
    ];
    const random = seededRandom(3);
    const seenFirst = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const order = ids(orderCandidates(providers, request(), random));
      seenFirst.add(order[0]);
      expect(order.slice(0, 2).sort()).toEqual(['p1', 'p2']);
      expect(order.slice(2)).toEqual(['z1', 'z2', 'next-tier']);
    }
    expect(seenFirst).toEqual(new Set(['p1', 'p2']));
  });

  it('should still return a tier made only of zero weights, in stable order', () => {
    const providers = [provider('z1', { weight: 0 }), provider('z2', { weight: 0 })];
    expect(ids(orderCandidates(providers, request(), () => 0.5))).toEqual(['z1', 'z2']);
  });

  it('should cope with a random source that returns its bounds', () => {
    const providers = [provider('a', { weight: 1 }), provider('b', { weight: 1 })];
    expect(ids(orderCandidates(providers, request(), () => 0))).toEqual(['a', 'b']);
    expect(ids(orderCandidates(providers, request(), () => 1))).toEqual(['b', 'a']);
  });

  it('should put an eligible sticky provider first, even from a worse tier', () => {
    const providers = [
      provider('primary', { priority: 0 }),
      provider('backup', { priority: 9, weight: 0 }),
      provider('other', { priority: 3 }),
    ];
    const order = ids(
      orderCandidates(providers, request({ stickyProviderId: 'backup' }), seededRandom(5)),
    );
    expect(order).toEqual(['backup', 'primary', 'other']);
  });

  it('should skip a sticky provider that is excluded or ineligible', () => {
    const providers = [
      provider('a', { priority: 0 }),
      provider('b', { priority: 1 }),
      provider('off', { priority: 0, enabled: false }),
    ];
    expect(
      ids(
        orderCandidates(
          providers,
          request({ stickyProviderId: 'b', excluded: new Set(['b']) }),
          seededRandom(5),
        ),
      ),
    ).toEqual(['a']);
    expect(
      ids(orderCandidates(providers, request({ stickyProviderId: 'off' }), seededRandom(5))),
    ).toEqual(['a', 'b']);
    expect(
      ids(orderCandidates(providers, request({ stickyProviderId: 'gone' }), seededRandom(5))),
    ).toEqual(['a', 'b']);
  });

  it('should leave out excluded providers', () => {
    const providers = [provider('a'), provider('b'), provider('c', { priority: 1 })];
    const order = ids(
      orderCandidates(providers, request({ excluded: new Set(['a', 'c']) }), seededRandom(2)),
    );
    expect(order).toEqual(['b']);
  });

  it('should leave out disabled providers and those of other protocols', () => {
    const providers = [
      provider('anthropic'),
      provider('disabled', { enabled: false }),
      provider('openai', { type: ProviderType.OpenAiChat }),
      provider('responses', { type: ProviderType.OpenAiResponses, priority: 1 }),
    ];
    expect(ids(orderCandidates(providers, request(), seededRandom(2)))).toEqual(['anthropic']);
    const both = request({
      protocols: [ProviderType.OpenAiChat, ProviderType.OpenAiResponses],
    });
    expect(ids(orderCandidates(providers, both, seededRandom(2)))).toEqual(['openai', 'responses']);
  });

  it('should only route to providers in the requested group', () => {
    const providers = [
      provider('default-only'),
      provider('team-a', { groups: ['team-a'] }),
      provider('both', { groups: ['default', 'team-a'], priority: 1 }),
    ];
    expect(ids(orderCandidates(providers, request({ group: 'team-a' }), seededRandom(2)))).toEqual([
      'team-a',
      'both',
    ]);
    expect(ids(orderCandidates(providers, request({ group: 'nobody' }), seededRandom(2)))).toEqual(
      [],
    );
  });

  it('should check allowlists against the requested model, not the redirected one', () => {
    const providers = [
      provider('claude-only', { models: ['claude-*'] }),
      provider('gpt-only', { models: ['gpt-5'] }),
      provider('any-model', { priority: 1 }),
      // Redirects claude names to a name its allowlist lacks: still eligible for claude names.
      provider('relay', {
        priority: 2,
        models: ['claude-sonnet-4'],
        modelRedirects: { 'claude-*': 'upstream-sonnet' },
      }),
      // Admits only the redirect target, which is not what the client asked for.
      provider('target-only', {
        priority: 3,
        models: ['upstream-sonnet'],
        modelRedirects: { 'claude-*': 'upstream-sonnet' },
      }),
    ];
    expect(
      ids(orderCandidates(providers, request({ model: 'claude-sonnet-4' }), seededRandom(2))),
    ).toEqual(['claude-only', 'any-model', 'relay']);
    expect(ids(orderCandidates(providers, request({ model: 'gpt-5' }), seededRandom(2)))).toEqual([
      'gpt-only',
      'any-model',
    ]);
  });

  it('should not mutate its input', () => {
    const providers = Object.freeze([
      provider('a', { priority: 1 }),
      provider('b', { priority: 0 }),
    ]);
    orderCandidates(providers, request({ stickyProviderId: 'a' }), seededRandom(2));
    expect(ids(providers)).toEqual(['a', 'b']);
  });
});

describe('isEligible', () => {
  it('should require every condition at once', () => {
    const base = provider('p', { groups: ['g'], models: ['m*'] });
    const req = request({ group: 'g', model: 'm1' });
    expect(isEligible(base, req)).toBe(true);
    expect(isEligible({ ...base, enabled: false }, req)).toBe(false);
    expect(isEligible({ ...base, type: ProviderType.Gemini }, req)).toBe(false);
    expect(isEligible({ ...base, groups: ['h'] }, req)).toBe(false);
    expect(isEligible({ ...base, models: ['n*'] }, req)).toBe(false);
    expect(isEligible(base, { ...req, excluded: new Set(['p']) })).toBe(false);
  });
});
