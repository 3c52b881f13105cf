import { ProviderType } from '../providers/provider.entity';
import { isModelAllowed } from './model-patterns';

/** The routing-relevant slice of a provider (see ProviderEntity). */
export interface RoutableProvider {
  id: string;
  type: ProviderType;
  groups: readonly string[];
  /** Allowlist of exact names or `prefix*`; empty admits every model. */
  models: readonly string[];
  modelRedirects: Record<string, string>;
  /** Lower is preferred; failover walks the tiers upward. */
  priority: number;
  /** Relative share inside a priority tier; 0 means "only when the positive weights are used up". */
  weight: number;
  enabled: boolean;
}

export interface RouteRequest {
  /** Provider types that can serve the incoming protocol (directly or through a converter). */
  protocols: readonly ProviderType[];
  group: string;
  /** The model as the client asked for it, before any redirect. */
  model: string;
  /** Provider this session used last, if any. */
  stickyProviderId: string | null;
  /** Providers not to use: open breakers, providers already tried, exhausted budgets. */
  excluded: ReadonlySet<string>;
}

/**
 * Whether a provider may serve the request at all.
 *
 * The allowlist is checked against the *requested* model, not the redirected one: an allowlist
 * says which client-facing names a provider answers to, and its redirects then map those names
 * to whatever the upstream calls them. (Checking the redirected name would make every redirect
 * target need its own allowlist entry, and a redirect could not widen what a provider accepts.)
 */
export function isEligible(provider: RoutableProvider, request: RouteRequest): boolean {
  return (
    provider.enabled &&
    request.protocols.includes(provider.type) &&
    provider.groups.includes(request.group) &&
    isModelAllowed(provider.models, request.model) &&
    !request.excluded.has(provider.id)
  );
}

function effectiveWeight(provider: RoutableProvider): number {
  return Number.isFinite(provider.weight) && provider.weight > 0 ? provider.weight : 0;
}

/**
 * Weighted random order without replacement: each step picks one of the remaining providers
 * with probability proportional to its weight. Zero weights follow, in their given order.
 */
function weightedOrder(
  tier: readonly RoutableProvider[],
  random: () => number,
): RoutableProvider[] {
  const positive = tier.filter((provider) => effectiveWeight(provider) > 0);
  const zero = tier.filter((provider) => effectiveWeight(provider) === 0);
  const ordered: RoutableProvider[] = [];
  let remainingWeight = positive.reduce((sum, provider) => sum + effectiveWeight(provider), 0);
  while (positive.length > 0) {
    const target = random() * remainingWeight;
    // Falls back to the last one should rounding (or a `random` returning 1) overshoot.
    let index = positive.length - 1;
    let cumulative = 0;
    for (let i = 0; i < positive.length; i += 1) {
      cumulative += effectiveWeight(positive[i]);
      if (target < cumulative) {
        index = i;
        break;
      }
    }
    const [picked] = positive.splice(index, 1);
    remainingWeight -= effectiveWeight(picked);
    ordered.push(picked);
  }
  return ordered.concat(zero);
}

/**
 * The providers to try for a request, best first (the caller walks the list on failover).
 *
 * Eligible providers (see `isEligible`) are grouped into priority tiers, ascending; inside a
 * tier the order is weighted random (see `weightedOrder`). An eligible sticky provider goes
 * first whatever its tier, so a session keeps hitting the provider whose prompt cache is warm;
 * a sticky provider that is excluded (e.g. its breaker is open) or otherwise ineligible is
 * simply skipped and the normal order applies.
 *
 * Pure: `random` (uniform in [0, 1), like Math.random) is injected so tests can seed it.
 */
export function orderCandidates(
  providers: readonly RoutableProvider[],
  request: RouteRequest,
  random: () => number,
): RoutableProvider[] {
  const eligible = providers.filter((provider) => isEligible(provider, request));
  const sticky =
    request.stickyProviderId === null
      ? undefined
      : eligible.find((provider) => provider.id === request.stickyProviderId);

  const tiers = new Map<number, RoutableProvider[]>();
  for (const provider of eligible) {
    if (provider === sticky) {
      continue;
    }
    const tier = tiers.get(provider.priority);
    if (tier) {
      tier.push(provider);
    } else {
      tiers.set(provider.priority, [provider]);
    }
  }

  const ordered: RoutableProvider[] = sticky ? [sticky] : [];
  const priorities = [...tiers.keys()].sort((a, b) => a - b);
  for (const priority of priorities) {
    ordered.push(...weightedOrder(tiers.get(priority) ?? [], random));
  }
  return ordered;
}
