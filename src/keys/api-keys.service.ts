import { rejectNulls } from '../common/admin/reject-nulls';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { generateApiKey } from '../common/crypto/api-key';
import { toLimits } from '../common/limits/limits.dto';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { reportDegradation } from '../metrics/degradation';
import { UsersService } from '../users/users.service';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import {
  ApiKeyCreatedDto,
  ApiKeyCreateDto,
  ApiKeyResponseDto,
  ApiKeyUpdateDto,
} from './dto/api-key.dto';
import { invalidateKeys } from './key-events';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async create(
    userId: string,
    dto: ApiKeyCreateDto,
    context: AuditContext,
  ): Promise<ApiKeyCreatedDto> {
    await this.users.require(userId);
    const generated = generateApiKey();
    const key = await this.dataSource.transaction(async (manager) => {
      const created = await this.keys.withManager(manager).create({
        userId,
        name: dto.name,
        keyHash: generated.hash,
        keyPrefix: generated.prefix,
        providerGroup: dto.providerGroup ?? null,
        limits: toLimits(dto.limits),
        expiresAt: dto.expiresAt ?? null,
        enabled: true,
      });
      await this.audit.record(
        context,
        {
          action: 'key.create',
          targetType: 'api_key',
          targetId: created.id,
          changes: { ...dto, userId, keyPrefix: generated.prefix },
        },
        manager,
      );
      return created;
    });
    return { ...ApiKeyResponseDto.from(key), key: generated.plaintext };
  }

  async listForUser(userId: string): Promise<ApiKeyResponseDto[]> {
    await this.users.require(userId);
    return (await this.keys.listByUser(userId)).map(ApiKeyResponseDto.from);
  }

  async update(
    id: string,
    dto: ApiKeyUpdateDto,
    context: AuditContext,
  ): Promise<ApiKeyResponseDto> {
    rejectNulls(dto, ['name', 'enabled', 'limits']);
    const key = await this.require(id);
    const changes: Partial<ApiKeyEntity> = {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.enabled !== undefined && { enabled: dto.enabled }),
      ...(dto.expiresAt !== undefined && { expiresAt: dto.expiresAt }),
      ...(dto.limits !== undefined && { limits: toLimits(dto.limits) }),
      ...(dto.providerGroup !== undefined && { providerGroup: dto.providerGroup }),
    };
    await this.dataSource.transaction(async (manager) => {
      if (Object.keys(changes).length > 0) {
        await this.keys.withManager(manager).update(id, changes);
      }
      await this.audit.record(
        context,
        { action: 'key.update', targetType: 'api_key', targetId: id, changes: { ...dto } },
        manager,
      );
    });
    await this.announce(key.keyHash);
    return ApiKeyResponseDto.from(await this.require(id));
  }

  /** Revocation is permanent; the row stays so usage history keeps its key. */
  async revoke(id: string, context: AuditContext): Promise<void> {
    const key = await this.require(id);
    await this.dataSource.transaction(async (manager) => {
      if (!key.revokedAt) {
        await this.keys.withManager(manager).update(id, { revokedAt: new Date() });
      }
      await this.audit.record(
        context,
        { action: 'key.revoke', targetType: 'api_key', targetId: id, changes: {} },
        manager,
      );
    });
    await this.announce(key.keyHash);
  }

  private async require(id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findById(id);
    if (!key) {
      throw new NotFoundException(`API key ${id} not found`);
    }
    return key;
  }

  /**
   * Tells every replica to forget this key. Best effort: the database is already right, and
   * gateway caches also expire on their own short TTL if Redis is down.
   */
  private async announce(keyHash: string): Promise<void> {
    try {
      await invalidateKeys(this.redis, [keyHash]);
    } catch (error: unknown) {
      reportDegradation(
        'key_invalidation',
        'fail_open',
        'redis',
        'key changes reach other replicas when their in-process entries expire (5 s while Redis is down, 30 s at most)',
        error,
      );
    }
  }
}
