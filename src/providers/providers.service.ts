import { rejectNulls } from '../common/admin/reject-nulls';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Page, PageQueryDto, pageWindow } from '../common/admin/pagination.dto';
import { maskSecret, SecretBox } from '../common/crypto/secret-box';
import { toLimits } from '../common/limits/limits.dto';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { PROVIDERS_CHANGED_CHANNEL } from './provider-events';
import { ProviderCreateDto, ProviderResponseDto, ProviderUpdateDto } from './dto/provider.dto';
import { ProviderAuthScheme, ProviderEntity } from './provider.entity';
import { ProvidersRepository } from './providers.repository';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class ProvidersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProvidersRepository,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async create(dto: ProviderCreateDto, context: AuditContext): Promise<ProviderResponseDto> {
    const provider = await this.uniqueName(dto.name, () =>
      this.dataSource.transaction(async (manager) => {
        const created = await this.providers.withManager(manager).create({
          name: dto.name,
          type: dto.type,
          baseUrl: stripTrailingSlash(dto.baseUrl),
          ...this.sealApiKey(dto.apiKey),
          authScheme: dto.authScheme ?? ProviderAuthScheme.Native,
          weight: dto.weight ?? 1,
          priority: dto.priority ?? 0,
          groups: dto.groups ?? ['default'],
          models: dto.models ?? [],
          modelRedirects: dto.modelRedirects ?? {},
          costMultiplier: dto.costMultiplier ?? '1',
          timeouts: { ...dto.timeouts },
          limits: toLimits(dto.limits),
          enabled: dto.enabled ?? true,
          allowPrivateEgress: dto.allowPrivateEgress ?? false,
        });
        await this.audit.record(
          context,
          {
            action: 'provider.create',
            targetType: 'provider',
            targetId: created.id,
            changes: { ...dto },
          },
          manager,
        );
        return created;
      }),
    );
    await this.announce();
    return ProviderResponseDto.from(provider);
  }

  async list(query: PageQueryDto): Promise<Page<ProviderResponseDto>> {
    const { skip, take } = pageWindow(query);
    const [providers, total] = await this.providers.findPage(skip, take);
    return {
      items: providers.map(ProviderResponseDto.from),
      total,
      page: query.page,
      pageSize: take,
    };
  }

  async get(id: string): Promise<ProviderResponseDto> {
    return ProviderResponseDto.from(await this.require(id));
  }

  async update(
    id: string,
    dto: ProviderUpdateDto,
    context: AuditContext,
  ): Promise<ProviderResponseDto> {
    rejectNulls(dto, [
      'name',
      'type',
      'baseUrl',
      'apiKey',
      'authScheme',
      'weight',
      'priority',
      'groups',
      'models',
      'modelRedirects',
      'costMultiplier',
      'timeouts',
      'limits',
      'enabled',
      'allowPrivateEgress',
    ]);
    await this.require(id);
    const changes: Partial<ProviderEntity> = {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.type !== undefined && { type: dto.type }),
      ...(dto.baseUrl !== undefined && { baseUrl: stripTrailingSlash(dto.baseUrl) }),
      ...(dto.apiKey !== undefined && this.sealApiKey(dto.apiKey)),
      ...(dto.authScheme !== undefined && { authScheme: dto.authScheme }),
      ...(dto.weight !== undefined && { weight: dto.weight }),
      ...(dto.priority !== undefined && { priority: dto.priority }),
      ...(dto.groups !== undefined && { groups: dto.groups }),
      ...(dto.models !== undefined && { models: dto.models }),
      ...(dto.modelRedirects !== undefined && { modelRedirects: dto.modelRedirects }),
      ...(dto.costMultiplier !== undefined && { costMultiplier: dto.costMultiplier }),
      ...(dto.timeouts !== undefined && { timeouts: { ...dto.timeouts } }),
      ...(dto.limits !== undefined && { limits: toLimits(dto.limits) }),
      ...(dto.enabled !== undefined && { enabled: dto.enabled }),
      ...(dto.allowPrivateEgress !== undefined && {
        allowPrivateEgress: dto.allowPrivateEgress,
      }),
    };
    await this.uniqueName(dto.name, () =>
      this.dataSource.transaction(async (manager) => {
        if (Object.keys(changes).length > 0) {
          await this.providers.withManager(manager).update(id, changes);
        }
        await this.audit.record(
          context,
          { action: 'provider.update', targetType: 'provider', targetId: id, changes: { ...dto } },
          manager,
        );
      }),
    );
    await this.announce();
    return this.get(id);
  }

  async remove(id: string, context: AuditContext): Promise<void> {
    await this.require(id);
    await this.dataSource.transaction(async (manager) => {
      await this.providers.withManager(manager).softDelete(id);
      await this.audit.record(
        context,
        { action: 'provider.delete', targetType: 'provider', targetId: id, changes: {} },
        manager,
      );
    });
    await this.announce();
  }

  /** The live provider row (404 if unknown or deleted), e.g. for an on-demand health probe. */
  requireEntity(id: string): Promise<ProviderEntity> {
    return this.require(id);
  }

  /** Audits an admin-triggered health probe (`provider.test`) with its outcome. */
  async recordTest(
    id: string,
    outcome: Record<string, unknown>,
    context: AuditContext,
  ): Promise<void> {
    await this.audit.record(context, {
      action: 'provider.test',
      targetType: 'provider',
      targetId: id,
      changes: outcome,
    });
  }

  /** The decrypted upstream key, for the gateway and health checks only. */
  upstreamApiKey(provider: ProviderEntity): string {
    return this.secretBox.open(provider.apiKeyEncrypted);
  }

  /** Gateways reload their provider snapshot; if Redis is down they still do within seconds. */
  private async announce(): Promise<void> {
    await this.redis.publish(PROVIDERS_CHANGED_CHANNEL, '1').catch(() => undefined);
  }

  private sealApiKey(apiKey: string): Pick<ProviderEntity, 'apiKeyEncrypted' | 'apiKeyPreview'> {
    return { apiKeyEncrypted: this.secretBox.seal(apiKey), apiKeyPreview: maskSecret(apiKey) };
  }

  private async require(id: string): Promise<ProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider) {
      throw new NotFoundException(`Provider ${id} not found`);
    }
    return provider;
  }

  /** Turns the partial unique index on live names into a 409 naming the clash. */
  private async uniqueName<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error: unknown) {
      if (error instanceof QueryFailedError && pgCode(error) === UNIQUE_VIOLATION) {
        throw new ConflictException(`A provider named "${name ?? ''}" already exists`);
      }
      throw error;
    }
  }
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function pgCode(error: { driverError: unknown }): unknown {
  const driverError: unknown = error.driverError;
  return driverError !== null && typeof driverError === 'object' && 'code' in driverError
    ? driverError.code
    : undefined;
}
