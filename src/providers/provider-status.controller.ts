import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import Redis from 'ioredis';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { AppConfig } from '../config/app-config';
import { ProviderHealthService } from '../health/provider-health.service';
import { CircuitBreaker, CircuitState } from '../routing/circuit-breaker';
import { UserRole } from '../users/user.entity';
import { ProviderType } from './provider.entity';
import { ProviderHealthResultDto } from './providers.admin.controller';
import { ProvidersService } from './providers.service';

const CIRCUIT_STATES: CircuitState[] = ['closed', 'open', 'half-open'];
/** Status is an overview: more providers than this is beyond what a dashboard shows. */
const MAX_PROVIDERS = 500;

export class ProviderStatusDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ProviderType }) type!: ProviderType;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: CIRCUIT_STATES, description: "The shared circuit breaker's state now" })
  breaker!: CircuitState;
  @ApiProperty({
    type: ProviderHealthResultDto,
    nullable: true,
    description: 'Latest health result still in force (null: expired or never probed)',
  })
  health!: ProviderHealthResultDto | null;
}

/** One read for dashboards: every provider with its breaker state and latest health check. */
@ApiTags('providers')
@AdminAuth(UserRole.Admin, UserRole.Finance)
@Controller('api/providers/status')
export class ProviderStatusController {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly providers: ProvidersService,
    private readonly health: ProviderHealthService,
    @Inject(REDIS_CLIENT) redis: Redis,
    config: AppConfig,
  ) {
    // Read-only use: `states` needs the open period to tell open from half-open.
    this.breaker = new CircuitBreaker(redis, { openMs: config.env.BREAKER_OPEN_MS });
  }

  @Get()
  @ApiOperation({
    summary: 'Every provider with its circuit-breaker state and latest health result',
    description: 'Roles admin and finance. No secrets: names, types and states only.',
  })
  @ApiOkResponse({ type: [ProviderStatusDto] })
  async list(): Promise<ProviderStatusDto[]> {
    const page = await this.providers.list({ page: 1, pageSize: MAX_PROVIDERS });
    const ids = page.items.map((provider) => provider.id);
    const [states, latest] = await Promise.all([
      this.breaker.states(ids),
      Promise.all(ids.map((id) => this.health.latest(id))),
    ]);
    return page.items.map((provider, index) => ({
      id: provider.id,
      name: provider.name,
      type: provider.type,
      enabled: provider.enabled,
      breaker: states.get(provider.id) ?? 'closed',
      health: latest[index] ?? null,
    }));
  }
}
