import { rejectNulls } from '../common/admin/reject-nulls';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Page, PageQueryDto, pageWindow } from '../common/admin/pagination.dto';
import { toLimits } from '../common/limits/limits.dto';
import { REDIS_CLIENT } from '../common/redis/redis.tokens';
import { ApiKeysRepository } from '../keys/api-keys.repository';
import { invalidateKeys } from '../keys/key-events';
import { UserCreateDto, UserResponseDto, UserUpdateDto } from './dto/user.dto';
import { UserEntity, UserRole } from './user.entity';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async create(dto: UserCreateDto, context: AuditContext): Promise<UserResponseDto> {
    const user = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.withManager(manager).create({
        name: dto.name,
        role: dto.role ?? UserRole.User,
        providerGroup: dto.providerGroup ?? null,
        allowedModels: dto.allowedModels ?? null,
        limits: toLimits(dto.limits),
        enabled: dto.enabled ?? true,
        expiresAt: dto.expiresAt ?? null,
      });
      await this.audit.record(
        context,
        { action: 'user.create', targetType: 'user', targetId: created.id, changes: { ...dto } },
        manager,
      );
      return created;
    });
    return UserResponseDto.from(user);
  }

  async list(query: PageQueryDto): Promise<Page<UserResponseDto>> {
    const { skip, take } = pageWindow(query);
    const [users, total] = await this.users.findPage(skip, take);
    return { items: users.map(UserResponseDto.from), total, page: query.page, pageSize: take };
  }

  async get(id: string): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.require(id));
  }

  async update(id: string, dto: UserUpdateDto, context: AuditContext): Promise<UserResponseDto> {
    rejectNulls(dto, ['name', 'role', 'limits', 'enabled']);
    await this.require(id);
    const changes: Partial<UserEntity> = {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.role !== undefined && { role: dto.role }),
      ...(dto.providerGroup !== undefined && { providerGroup: dto.providerGroup }),
      ...(dto.allowedModels !== undefined && { allowedModels: dto.allowedModels }),
      ...(dto.limits !== undefined && { limits: toLimits(dto.limits) }),
      ...(dto.enabled !== undefined && { enabled: dto.enabled }),
      ...(dto.expiresAt !== undefined && { expiresAt: dto.expiresAt }),
    };
    await this.dataSource.transaction(async (manager) => {
      if (Object.keys(changes).length > 0) {
        await this.users.withManager(manager).update(id, changes);
      }
      await this.audit.record(
        context,
        { action: 'user.update', targetType: 'user', targetId: id, changes: { ...dto } },
        manager,
      );
    });
    await this.forgetKeysOf(id);
    return this.get(id);
  }

  /** Soft delete: the user and every key of theirs stop working; the ledger keeps the history. */
  async remove(id: string, context: AuditContext): Promise<string[]> {
    await this.require(id);
    const revoked = await this.dataSource.transaction(async (manager) => {
      const revokedKeyIds = await this.keys.withManager(manager).revokeAllOfUser(id, new Date());
      await this.users.withManager(manager).softDelete(id);
      await this.audit.record(
        context,
        { action: 'user.delete', targetType: 'user', targetId: id, changes: { revokedKeyIds } },
        manager,
      );
      return revokedKeyIds;
    });
    await this.forgetKeysOf(id);
    return revoked;
  }

  /** A user change (disable, expiry, group, models, limits) affects every key of theirs. */
  private async forgetKeysOf(userId: string): Promise<void> {
    try {
      const keys = await this.keys.listByUser(userId);
      await invalidateKeys(
        this.redis,
        keys.map((key) => key.keyHash),
      );
    } catch (error: unknown) {
      this.logger.warn(`key invalidation not published: ${String(error)}`);
    }
  }

  async require(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) {
      throw new NotFoundException(`User ${id} not found`);
    }
    return user;
  }
}
