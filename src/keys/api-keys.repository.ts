import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

/** The only code that touches the `api_keys` table. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  /** Same queries, bound to a transaction's manager. */
  withManager(manager: EntityManager): ApiKeysRepository {
    return new ApiKeysRepository(manager.getRepository(ApiKeyEntity));
  }

  create(values: Partial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(values));
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { id } });
  }

  /** Key with its user, soft-deleted users included so the caller can say why it is refused. */
  findByHashWithUser(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({
      where: { keyHash },
      relations: { user: true },
      withDeleted: true,
    });
  }

  listByUser(userId: string): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  async update(id: string, values: Partial<ApiKeyEntity>): Promise<void> {
    await this.keys.update({ id }, values);
  }

  /** Revokes every live key of a user (used when the user is deleted); returns their ids. */
  async revokeAllOfUser(userId: string, at: Date): Promise<string[]> {
    const live = await this.keys.find({ where: { userId }, select: { id: true, revokedAt: true } });
    const ids = live.filter((key) => !key.revokedAt).map((key) => key.id);
    if (ids.length > 0) {
      await this.keys
        .createQueryBuilder()
        .update()
        .set({ revokedAt: at })
        .whereInIds(ids)
        .execute();
    }
    return ids;
  }
}
