import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { healthProbeRequest } from '../providers/provider-endpoints';
import { ProviderEntity } from '../providers/provider.entity';
import { ProvidersRepository } from '../providers/providers.repository';
import { ProvidersService } from '../providers/providers.service';

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
const HISTORY_LENGTH = 50;

export const healthKey = (providerId: string): string => `cch:provider-health:${providerId}`;
export const healthHistoryKey = (providerId: string): string =>
  `cch:provider-health-history:${providerId}`;

/** Probes providers and publishes the latest result (and a short history) in Redis for routing. */
@Injectable()
export class ProviderHealthService {
  private readonly logger = new Logger(ProviderHealthService.name);

  constructor(
    private readonly providers: ProvidersRepository,
    private readonly providerSecrets: ProvidersService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async sweep(resultTtlSeconds: number): Promise<ProviderHealthResult[]> {
    const enabled = await this.providers.findEnabled();
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
      const response = await fetch(url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return finish(response.status, response.ok ? null : `http_${response.status}`);
    } catch (error: unknown) {
      const name = error instanceof Error ? error.name : 'Error';
      this.logger.warn(`health probe failed for provider ${provider.id}: ${name}`);
      return finish(null, name === 'TimeoutError' ? 'timeout' : 'connection_error');
    }
  }

  async latest(providerId: string): Promise<ProviderHealthResult | null> {
    const raw = await this.redis.get(healthKey(providerId));
    return raw ? (JSON.parse(raw) as ProviderHealthResult) : null;
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
