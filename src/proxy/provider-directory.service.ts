import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { withTimeout } from '../common/async/with-timeout';
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

/** Without change announcements (Redis down), the snapshot is refreshed when older than this. */
const MAX_AGE_MS = 10_000;
/** A reload that takes longer (a database that hangs rather than refuses) is abandoned. */
const RELOAD_TIMEOUT_MS = 5_000;

/**
 * In-memory snapshot of the enabled providers, so routing does no database read per request.
 * Reloaded when an admin change is announced on Redis (requests wait for that reload), and in
 * the background once the snapshot is 10 seconds old (requests keep routing on it meanwhile, so
 * a Postgres that hangs never holds them).
 */
@Injectable()
export class ProviderDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProviderDirectory.name);
  private snapshot: LiveProvider[] = [];
  private loadedAt = 0;
  /** Nothing loaded yet, or a change was announced: requests wait for the next reload. */
  private mustWait = true;
  /** Bumped by every announced change, so a reload that raced one is not taken as fresh. */
  private generation = 0;
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
    this.mustWait = true;
    this.generation += 1;
  }

  async enabled(now = Date.now()): Promise<LiveProvider[]> {
    if (now - this.loadedAt < MAX_AGE_MS) return this.snapshot;
    const loading = (this.loading ??= this.reload().finally(() => {
      this.loading = null;
    }));
    return this.mustWait ? loading : this.snapshot;
  }

  private async reload(): Promise<LiveProvider[]> {
    const generation = this.generation;
    try {
      const rows = await withTimeout(this.providers.findEnabled(), RELOAD_TIMEOUT_MS);
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
      if (generation === this.generation) {
        this.loadedAt = Date.now();
        this.mustWait = false;
      }
      reportRecovery('provider_directory', 'postgres');
    } catch (error: unknown) {
      // Postgres down: keep routing on the last good snapshot rather than failing every request
      // (and without waiting for the next attempt, which runs in the background).
      this.mustWait = false;
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
