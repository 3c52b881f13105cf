import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { errors } from 'undici';
import { isEgressRefused } from '../common/egress/guarded-agent';
import { unavailableDependency } from '../common/errors/dependency-unavailable';
import { reportDegradation } from '../metrics/degradation';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { healthProbeRequest } from '../providers/provider-endpoints';
import { ProviderEntity } from '../providers/provider.entity';
import { ProvidersRepository } from '../providers/providers.repository';
import { ProvidersService } from '../providers/providers.service';
import { UpstreamClient } from '../proxy/upstream-client';

export interface ProviderHealthResult {
  providerId: string;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  checkedAt: string;
  /** A short class of failure; never the upstream body, which might echo a key. */
  error: string | null;
}

const PROBE_TIMEOUT_MS = 10_000;
export const HISTORY_LENGTH = 50;

function isTimeout(error: unknown): boolean {
  return (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError ||
    (error instanceof Error && error.name === 'TimeoutError')
  );
}

export const healthKey = (providerId: string): string => `cch:provider-health:${providerId}`;
export const healthHistoryKey = (providerId: string): string =>
  `cch:provider-health-history:${providerId}`;

const PROBE_TIMEOUTS = {
  connectMs: PROBE_TIMEOUT_MS,
  firstByteMs: PROBE_TIMEOUT_MS,
  idleMs: PROBE_TIMEOUT_MS,
};

/**
 * Probes providers and publishes the latest result (and a short history) in Redis for routing.
 * Probes go through the same egress-guarded `UpstreamClient` as provider traffic (never
 * redirects, refuses private addresses unless permitted).
 */
@Injectable()
export class ProviderHealthService {
  private readonly logger = new Logger(ProviderHealthService.name);

  constructor(
    private readonly providers: ProvidersRepository,
    private readonly providerSecrets: ProvidersService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly http: UpstreamClient,
  ) {}

  /**
   * Probes every enabled provider and publishes the results. With Postgres unreachable the sweep
   * is skipped (counted and logged) rather than failed: earlier results expire on their own.
   */
  async sweep(resultTtlSeconds: number): Promise<ProviderHealthResult[]> {
    let enabled: ProviderEntity[];
    try {
      enabled = await this.providers.findEnabled();
    } catch (error: unknown) {
      const dependency = unavailableDependency(error);
      if (dependency === null) throw error;
      reportDegradation(
        'provider_health',
        'fail_open',
        dependency,
        'health sweep skipped; stored results expire after three periods',
        error,
      );
      return [];
    }
    const results = await Promise.all(enabled.map((provider) => this.probe(provider)));
    await Promise.all(results.map((result) => this.publish(result, resultTtlSeconds)));
    return results;
  }

  async probe(provider: ProviderEntity): Promise<ProviderHealthResult> {
    const started = performance.now();
    const finish = (httpStatus: number | null, error: string | null): ProviderHealthResult => ({
      providerId: provider.id,
      ok: error === null,
      httpStatus,
      latencyMs: Math.round(performance.now() - started),
      checkedAt: new Date().toISOString(),
      error,
    });
    try {
      const { url, headers } = healthProbeRequest(
        provider.type,
        provider.authScheme,
        provider.baseUrl,
        this.providerSecrets.upstreamApiKey(provider),
      );
      const response = await this.http.send({
        providerId: provider.id,
        url,
        method: 'GET',
        headers,
        timeouts: PROBE_TIMEOUTS,
        allowPrivate: provider.allowPrivateEgress,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await response.body.dump().catch(() => undefined);
      const status = response.statusCode;
      return finish(status, status >= 200 && status < 300 ? null : `http_${status}`);
    } catch (error: unknown) {
      if (isEgressRefused(error)) {
        this.logger.warn(`health probe refused for provider ${provider.id}: egress not permitted`);
        return finish(null, 'egress_refused');
      }
      const name = error instanceof Error ? error.name : 'Error';
      this.logger.warn(`health probe failed for provider ${provider.id}: ${name}`);
      return finish(null, isTimeout(error) ? 'timeout' : 'connection_error');
    }
  }

  async latest(providerId: string): Promise<ProviderHealthResult | null> {
    const raw = await this.redis.get(healthKey(providerId));
    return raw ? (JSON.parse(raw) as ProviderHealthResult) : null;
  }

  /** Newest first, at most `limit` (the list keeps the last HISTORY_LENGTH results). */
  async history(providerId: string, limit = HISTORY_LENGTH): Promise<ProviderHealthResult[]> {
    const count = Math.max(1, Math.min(limit, HISTORY_LENGTH));
    const raw = await this.redis.lrange(healthHistoryKey(providerId), 0, count - 1);
    return raw.map((entry) => JSON.parse(entry) as ProviderHealthResult);
  }

  /** One provider now (an admin's "test" button), published exactly like a sweep result. */
  async probeAndPublish(
    provider: ProviderEntity,
    resultTtlSeconds: number,
  ): Promise<ProviderHealthResult> {
    const result = await this.probe(provider);
    await this.publish(result, resultTtlSeconds);
    return result;
  }

  private async publish(result: ProviderHealthResult, ttlSeconds: number): Promise<void> {
    const serialised = JSON.stringify(result);
    await this.redis
      .multi()
      .set(healthKey(result.providerId), serialised, 'EX', ttlSeconds)
      .lpush(healthHistoryKey(result.providerId), serialised)
      .ltrim(healthHistoryKey(result.providerId), 0, HISTORY_LENGTH - 1)
      .exec();
  }
}
