import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Limits } from '../common/limits/limits';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { AppConfig } from '../config/app-config';
import { DegradationMode, reportDegradation, reportRecovery } from '../metrics/degradation';
import { cchMetrics } from '../metrics/metrics-registry';
import { AdmissionAhead } from './admission-ahead';
import { LimitsEngine } from './limits-engine';
import { LimitsLedgerRebuilder } from './limits-ledger-rebuilder';
import {
  AdmitRequest,
  AdmitResult,
  LimitScopeKind,
  LimitsOperation,
  LimitsReservation,
  LimitsUsage,
  SettleOptions,
} from './limits.types';

/** What each failed operation means for the requests, in the degradation log line. */
const CONSEQUENCES: Record<LimitsOperation, { failOpen: string; failClosed: string }> = {
  admit: {
    failOpen: 'requests admitted without rate, concurrency or budget checks',
    failClosed: 'requests refused with 503',
  },
  rebuild: {
    failOpen: 'counters lost from Redis are checked without their ledger baseline',
    failClosed: 'requests whose counters need a ledger baseline refused with 503',
  },
  settle: { failOpen: 'spend not settled; reservations expire with their TTL', failClosed: '' },
  exhaustedProviders: { failOpen: 'provider budgets not enforced in routing', failClosed: '' },
  windowUsage: { failOpen: '/api/me shows no window usage', failClosed: '' },
};

/**
 * Request, concurrency and spend limits of users, keys and providers (see `LimitsEngine`).
 * Nothing here throws into the request path: Redis failures admit or refuse per
 * `LIMITS_FAIL_OPEN`, counted and logged (throttled) as a degradation of control `limits`.
 */
@Injectable()
export class LimitsService implements OnApplicationShutdown {
  readonly engine: LimitsEngine;
  /** `LIMITS_ADMIT_AHEAD`: admissions made one request ahead, off the request path. */
  readonly ahead: AdmissionAhead | null;
  private readonly failOpen: boolean;

  constructor(@Inject(REDIS_CLIENT) redis: Redis, config: AppConfig, dataSource: DataSource) {
    this.failOpen = config.env.LIMITS_FAIL_OPEN;
    this.engine = new LimitsEngine(redis, {
      timeZone: config.env.LIMITS_TIME_ZONE,
      failOpen: config.env.LIMITS_FAIL_OPEN,
      reservationTtlMs: config.env.LIMITS_RESERVATION_TTL_MS,
      baselineSource: new LimitsLedgerRebuilder(dataSource),
      onError: (error, operation) => this.degraded(error, operation),
      // Only an answer from Redis now shows recovery: an admission made ahead came earlier.
      onAdmitAnswered: () => reportRecovery('limits', 'redis'),
    });
    this.ahead = config.env.LIMITS_ADMIT_AHEAD
      ? new AdmissionAhead(this.engine, {
          onOutcome: (outcome) => cchMetrics().admissionAhead.inc({ outcome }),
        })
      : null;
  }

  /** All-or-nothing admission over the given scopes; reserves `reserveUsd` in each. */
  admit(request: AdmitRequest): Promise<AdmitResult> {
    return (this.ahead ?? this.engine).admit(request);
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

  /** Admissions held ahead are withdrawn, so a rolling restart leaks no slots. */
  async onApplicationShutdown(): Promise<void> {
    await this.ahead?.close();
  }

  private degraded(error: unknown, operation: LimitsOperation): void {
    // Only admission (and the baseline it may need) can fail closed; the rest always fail open.
    const closes = !this.failOpen && (operation === 'admit' || operation === 'rebuild');
    const mode: DegradationMode = closes ? 'fail_closed' : 'fail_open';
    const consequence = CONSEQUENCES[operation];
    reportDegradation(
      'limits',
      mode,
      operation === 'rebuild' ? 'postgres' : 'redis',
      closes ? consequence.failClosed : consequence.failOpen,
      error,
    );
  }
}
