import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { SecretBox } from '../common/crypto/secret-box';
import { closeRedis } from '../common/redis/close-redis';
import { subscribe } from '../common/redis/subscribe';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { reportDegradation, reportRecovery } from '../metrics/degradation';
import { PROVIDERS_CHANGED_CHANNEL } from '../providers/provider-events';
import { ProviderEntity } from '../providers/provider.entity';
import { ProvidersRepository } from '../providers/providers.repository';

/** A provider as the hot path uses it: decrypted once per reload, not per request. */
export interface LiveProvider {
  entity: ProviderEntity;
  apiKey: string;
}

/** Even without change announcements (Redis down), a gateway never routes on data older than this. */
const MAX_AGE_MS = 10_000;

/**
 * In-memory snapshot of the enabled providers, so routing does no database read per request.
 * Reloaded when an admin change is announced on Redis, and at most every 10 seconds otherwise.
 */
@Injectable()
export class ProviderDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProviderDirectory.name);
  private snapshot: LiveProvider[] = [];
  private loadedAt = 0;
  private loading: Promise<LiveProvider[]> | null = null;
  private subscriber: Redis | null = null;

  constructor(
    private readonly providers: ProvidersRepository,
    private readonly secretBox: SecretBox,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.subscriber = subscribe(
      this.redis,
      PROVIDERS_CHANGED_CHANNEL,
      () => this.markStale(),
      () => this.markStale(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.subscriber);
  }

  markStale(): void {
    this.loadedAt = 0;
  }

  async enabled(now = Date.now()): Promise<LiveProvider[]> {
    if (now - this.loadedAt < MAX_AGE_MS) return this.snapshot;
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reload(): Promise<LiveProvider[]> {
    try {
      const rows = await this.providers.findEnabled();
      this.snapshot = rows.flatMap((entity) => {
        try {
          return [{ entity, apiKey: this.secretBox.open(entity.apiKeyEncrypted) }];
        } catch {
          this.logger.error(
            `provider ${entity.id} key cannot be decrypted with MASTER_KEY; skipped`,
          );
          return [];
        }
      });
      this.loadedAt = Date.now();
      reportRecovery('provider_directory', 'postgres');
    } catch (error: unknown) {
      // Postgres down: keep routing on the last good snapshot rather than failing every request.
      reportDegradation(
        'provider_directory',
        'fallback',
        'postgres',
        `routing on the last provider snapshot (${this.snapshot.length} providers)`,
        error,
      );
    }
    return this.snapshot;
  }
}
