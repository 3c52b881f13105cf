import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Limits } from '../common/limits/limits';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { AppConfig } from '../config/app-config';
import { LimitsEngine } from './limits-engine';
import { LimitsLedgerRebuilder } from './limits-ledger-rebuilder';
import {
  AdmitRequest,
  AdmitResult,
  LimitScopeKind,
  LimitScopeRef,
  LimitsOperation,
  LimitsReservation,
  LimitsUsage,
  SettleOptions,
} from './limits.types';

/** Errors are logged at most this often per operation, so an outage does not flood the log. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Request, concurrency and spend limits of users, keys and providers (see `LimitsEngine`).
 * Nothing here throws into the request path: Redis failures admit or refuse per
 * `LIMITS_FAIL_OPEN` and are logged (throttled).
 */
@Injectable()
export class LimitsService {
  private readonly logger = new Logger(LimitsService.name);
  private readonly lastLogged = new Map<LimitsOperation, number>();
  readonly engine: LimitsEngine;

  constructor(@Inject(REDIS_CLIENT) redis: Redis, config: AppConfig, dataSource: DataSource) {
    this.engine = new LimitsEngine(redis, {
      timeZone: config.env.LIMITS_TIME_ZONE,
      failOpen: config.env.LIMITS_FAIL_OPEN,
      reservationTtlMs: config.env.LIMITS_RESERVATION_TTL_MS,
      baselineSource: new LimitsLedgerRebuilder(dataSource),
      onError: (error, operation, scope) => this.logError(error, operation, scope),
    });
  }

  /** All-or-nothing admission over the given scopes; reserves `reserveUsd` in each. */
  admit(request: AdmitRequest): Promise<AdmitResult> {
    return this.engine.admit(request);
  }

  /** Idempotent per request id; false if already settled (or Redis failed). */
  settle(
    reservation: LimitsReservation,
    actualUsd: string,
    options?: SettleOptions,
  ): Promise<boolean> {
    return this.engine.settle(reservation, actualUsd, options);
  }

  release(reservation: LimitsReservation, partialUsd?: string): Promise<boolean> {
    return this.engine.release(reservation, partialUsd);
  }

  /** Providers whose spend reached a budget, to exclude from routing until the window resets. */
  exhaustedProviders(
    providers: readonly { id: string; limits: Limits }[],
    now?: number,
  ): Promise<Set<string>> {
    return this.engine.exhaustedProviders(providers, now);
  }

  /** For `/api/me`: per window limit, spent, reserved, remaining and reset; null if Redis fails. */
  windowUsage(
    kind: LimitScopeKind,
    id: string,
    limits: Limits,
    now?: number,
  ): Promise<LimitsUsage | null> {
    return this.engine.windowUsage({ kind, id, limits }, now);
  }

  private logError(error: unknown, operation: LimitsOperation, scope: LimitScopeRef | null) {
    const now = Date.now();
    if (now - (this.lastLogged.get(operation) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    this.lastLogged.set(operation, now);
    const message = error instanceof Error ? error.message : String(error);
    const where = scope ? ` (${scope.kind} ${scope.id})` : '';
    this.logger.warn(`limits ${operation} failed${where}: ${message}`);
  }
}
