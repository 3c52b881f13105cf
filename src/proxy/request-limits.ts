import { Injectable } from '@nestjs/common';
import { PriceCatalog } from '../billing/price-catalog.service';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { AppConfig } from '../config/app-config';
import { LimitsService } from '../limits/limits.service';
import { AdmitResult, LimitsReservation } from '../limits/limits.types';
import { emptyUsage } from '../protocols/ir/ir-usage';
import { ProxyContext } from './proxy-context';

/** Roughly four bytes of JSON per input token: an upper-side estimate for text-heavy bodies. */
const BYTES_PER_TOKEN = 4;

/**
 * The limits of one proxy request: admitted (rate, concurrency, budgets of the user and the key)
 * with a reservation of its worst-case cost before any provider is called, and settled to the
 * real cost afterwards, whatever happened.
 */
@Injectable()
export class RequestLimits {
  constructor(
    private readonly limits: LimitsService,
    private readonly prices: PriceCatalog,
    private readonly config: AppConfig,
  ) {}

  /** Admits the request or throws a 429/402/503 in the client's protocol with the headers. */
  async admit(context: ProxyContext): Promise<LimitsReservation> {
    const { principal } = context;
    const result = await this.limits.admit({
      requestId: context.requestId,
      scopes: [
        { kind: 'user', id: principal.userId, limits: principal.userLimits },
        { kind: 'key', id: principal.keyId, limits: principal.keyLimits },
      ],
      reserveUsd: this.worstCaseUsd(context),
      now: context.startedAtMs,
    });
    if (!result.ok) throw refusal(result);
    return result.reservation;
  }

  /** Replaces the reservation with the real cost (0 when unpriced or nothing was served). */
  async settle(
    reservation: LimitsReservation,
    costUsd: string | null,
    providerId: string | null,
  ): Promise<void> {
    await this.limits.settle(reservation, costUsd ?? '0', { providerId });
  }

  /**
   * Estimated input (body size) plus the full `max_tokens` of output at the requested model's
   * price: what the request can cost at most, unless its provider's multiplier is above 1 or the
   * estimate undercounts the input (see the README's overshoot bound).
   */
  private worstCaseUsd(context: ProxyContext): string {
    const usage = {
      ...emptyUsage(),
      inputTokens: Math.ceil(context.rawBody.length / BYTES_PER_TOKEN),
      outputTokens: context.maxOutputTokens ?? this.config.env.LIMITS_DEFAULT_MAX_OUTPUT_TOKENS,
    };
    return (
      this.prices.cost(context.model, usage, '1', new Date(context.startedAtMs))?.costUsd ?? '0'
    );
  }
}

function refusal(result: Exclude<AdmitResult, { ok: true }>): GatewayError {
  const retryAfterSeconds = result.retryAfterSeconds ?? undefined;
  const options = { retryAfterSeconds, headers: result.headers };
  switch (result.kind) {
    case 'rate':
      return new GatewayError(
        GatewayErrorCode.RATE_LIMITED,
        `Rate limit of the ${result.scope} reached; retry later.`,
        options,
      );
    case 'concurrency':
      return new GatewayError(
        GatewayErrorCode.RATE_LIMITED,
        `Too many requests of this ${result.scope} in flight; retry when one finishes.`,
        options,
      );
    case 'budget':
      return new GatewayError(
        GatewayErrorCode.BUDGET_EXCEEDED,
        `The ${result.window ?? ''} budget of this ${result.scope} is used up${retryAfterSeconds ? '' : ' (this request alone exceeds it)'}.`,
        options,
      );
    case 'unavailable':
      return new GatewayError(
        GatewayErrorCode.UPSTREAM_UNAVAILABLE,
        'Limits cannot be checked right now; retry later.',
        options,
      );
  }
}
