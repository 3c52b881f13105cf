import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { MaxAgeCache } from '../common/cache/max-age-cache';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { Limits } from '../common/limits/limits';
import { AppConfig } from '../config/app-config';
import { LimitsService } from '../limits/limits.service';
import { ProviderType } from '../providers/provider.entity';
import { orderCandidates, RoutableProvider } from '../routing/candidate-selector';
import { reportDegradation } from '../metrics/degradation';
import { CircuitBreaker } from '../routing/circuit-breaker';
import { resolveModelRedirect } from '../routing/model-patterns';
import { SessionStickiness } from '../routing/session-stickiness';
import { LiveProvider, ProviderDirectory } from './provider-directory.service';

export interface RouteQuery {
  protocols: readonly ProviderType[];
  group: string;
  model: string;
  userId: string;
  sessionId: string | null;
}

export interface RoutedCandidate {
  provider: LiveProvider;
  upstreamModel: string;
  /** The breaker's cool-down is over: the attempt needs the single probe permit first. */
  halfOpen: boolean;
}

/**
 * Successes of closed-breaker attempts are counted in process and written this often (one Redis
 * call per provider instead of one per request). A failure writes them first, so this process's
 * outcomes reach the breaker in order.
 */
const SUCCESS_FLUSH_MS = 100;

/**
 * Turns the provider snapshot, the shared breaker states and the session's sticky binding into
 * an ordered list of candidates, then hands out breaker permits one attempt at a time.
 */
@Injectable()
export class ProviderRouter implements OnApplicationShutdown {
  private readonly logger = new Logger(ProviderRouter.name);
  readonly breaker: CircuitBreaker;
  private readonly stickiness: SessionStickiness;
  /**
   * Spent provider budgets, per snapshot view, reused for ROUTING_STATE_MAX_AGE_MS: routing on a
   * budget that ran out up to that long ago is the trade-off for no read per request. The
   * limits engine fails open (none spent) on Redis errors, and that answer is kept as long.
   */
  private readonly exhausted: MaxAgeCache<ReadonlySet<string>>;
  private readonly pendingSuccesses = new Map<string, number>();
  private successTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly directory: ProviderDirectory,
    config: AppConfig,
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly limits: LimitsService,
  ) {
    // Breaker states, session bindings and budgets: read at most this often (0: every request).
    const maxAgeMs = config.env.ROUTING_STATE_MAX_AGE_MS;
    this.exhausted = new MaxAgeCache(maxAgeMs, 4);
    this.breaker = new CircuitBreaker(redis, {
      windowMs: config.env.BREAKER_WINDOW_MS,
      minimumRequests: config.env.BREAKER_MIN_REQUESTS,
      failureRateThreshold: config.env.BREAKER_FAILURE_RATE_PERCENT / 100,
      openMs: config.env.BREAKER_OPEN_MS,
      stateMaxAgeMs: maxAgeMs,
      onTransition: (providerId, transition) =>
        this.logger.warn(`circuit breaker ${transition} for provider ${providerId}`),
      onError: (error) =>
        reportDegradation('breaker', 'fail_open', 'redis', 'every breaker reads closed', error),
    });
    this.stickiness = new SessionStickiness(redis, {
      ttlSeconds: config.env.STICKY_SESSION_TTL_SECONDS,
      maxAgeMs,
      onError: (error) =>
        reportDegradation('stickiness', 'fail_open', 'redis', 'sessions are not pinned', error),
    });
  }

  async candidates(query: RouteQuery): Promise<RoutedCandidate[]> {
    const { key, byId, ids, budgeted, routables } = snapshotView(await this.directory.enabled());
    const [states, stickyProviderId, exhausted] = await Promise.all([
      this.breaker.states(ids),
      query.sessionId ? this.stickiness.get(query.userId, query.sessionId) : Promise.resolve(null),
      // Only providers with limits cost a Redis read; the rest can never be exhausted.
      budgeted.length > 0
        ? this.exhausted.get(key, () => this.limits.exhaustedProviders(budgeted))
        : Promise.resolve(new Set<string>()),
    ]);
    // Open breakers and spent provider budgets are out; half-open providers stay in and compete
    // for the single probe permit.
    const excluded = new Set(exhausted);
    for (const [id, state] of states) if (state === 'open') excluded.add(id);
    const ordered = orderCandidates(
      routables,
      {
        protocols: query.protocols,
        group: query.group,
        model: query.model,
        stickyProviderId,
        excluded,
      },
      Math.random,
    );
    return ordered.flatMap((candidate) => {
      const live = byId.get(candidate.id);
      return live
        ? [
            {
              provider: live,
              upstreamModel: resolveModelRedirect(live.entity.modelRedirects, query.model),
              halfOpen: states.get(candidate.id) === 'half-open',
            },
          ]
        : [];
    });
  }

  /** A provider answered. A half-open probe's success goes out at once: it closes the breaker. */
  recordSuccess(providerId: string, probe: boolean): Promise<void> {
    if (probe) return this.breaker.recordSuccess(providerId);
    this.pendingSuccesses.set(providerId, (this.pendingSuccesses.get(providerId) ?? 0) + 1);
    this.successTimer ??= setTimeout(() => void this.flushSuccesses(), SUCCESS_FLUSH_MS);
    return Promise.resolve();
  }

  async recordFailure(providerId: string): Promise<void> {
    const pending = this.pendingSuccesses.get(providerId);
    if (pending !== undefined) {
      this.pendingSuccesses.delete(providerId);
      await this.breaker.recordSuccesses(providerId, pending);
    }
    await this.breaker.recordFailure(providerId);
  }

  async flushSuccesses(): Promise<void> {
    if (this.successTimer) clearTimeout(this.successTimer);
    this.successTimer = null;
    const pending = [...this.pendingSuccesses];
    this.pendingSuccesses.clear();
    await Promise.all(pending.map(([id, count]) => this.breaker.recordSuccesses(id, count)));
  }

  /** Best effort: these are breaker statistics, and the breaker fails open anyway. */
  async onApplicationShutdown(): Promise<void> {
    await this.flushSuccesses();
  }

  bindSession(userId: string, sessionId: string | null, providerId: string): Promise<void> {
    return sessionId ? this.stickiness.bind(userId, sessionId, providerId) : Promise.resolve();
  }
}

/** What routing derives from one provider snapshot, which every request of its lifetime shares. */
interface SnapshotView {
  /** Tells views apart (a new snapshot, e.g. changed budgets, gets a new one). */
  key: string;
  byId: ReadonlyMap<string, LiveProvider>;
  ids: readonly string[];
  budgeted: readonly { id: string; limits: Limits }[];
  routables: readonly RoutableProvider[];
}

/**
 * The directory hands out one array per snapshot (a reload makes a new one), so the view is
 * built once per snapshot instead of once per request; a dropped snapshot takes its view along.
 */
const views = new WeakMap<readonly LiveProvider[], SnapshotView>();
let viewCount = 0;

function snapshotView(providers: readonly LiveProvider[]): SnapshotView {
  let view = views.get(providers);
  if (!view) {
    const byId = new Map(providers.map((live) => [live.entity.id, live]));
    viewCount += 1;
    view = {
      key: String(viewCount),
      byId,
      ids: [...byId.keys()],
      budgeted: providers
        .filter(({ entity }) => Object.keys(entity.limits).length > 0)
        .map(({ entity }) => ({ id: entity.id, limits: entity.limits })),
      routables: providers.map((live) => routable(live)),
    };
    views.set(providers, view);
  }
  return view;
}

function routable({ entity }: LiveProvider): RoutableProvider {
  return {
    id: entity.id,
    type: entity.type,
    groups: entity.groups,
    models: entity.models,
    modelRedirects: entity.modelRedirects,
    priority: entity.priority,
    weight: entity.weight,
    enabled: entity.enabled,
  };
}
