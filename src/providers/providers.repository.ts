import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ProviderEntity } from './provider.entity';

/** The only code that touches the `providers` table. */
@Injectable()
export class ProvidersRepository {
  constructor(
    @InjectRepository(ProviderEntity) private readonly providers: Repository<ProviderEntity>,
  ) {}

  /** Same queries, bound to a transaction's manager. */
  withManager(manager: EntityManager): ProvidersRepository {
    return new ProvidersRepository(manager.getRepository(ProviderEntity));
  }

  create(values: Partial<ProviderEntity>): Promise<ProviderEntity> {
    return this.providers.save(this.providers.create(values));
  }

  findById(id: string): Promise<ProviderEntity | null> {
    return this.providers.findOne({ where: { id } });
  }

  findByName(name: string): Promise<ProviderEntity | null> {
    return this.providers.findOne({ where: { name } });
  }

  findPage(skip: number, take: number): Promise<[ProviderEntity[], number]> {
    return this.providers.findAndCount({
      order: { priority: 'ASC', name: 'ASC' },
      skip,
      take,
    });
  }

  findEnabled(): Promise<ProviderEntity[]> {
    return this.providers.find({ where: { enabled: true }, order: { priority: 'ASC' } });
  }

  async update(id: string, values: Partial<ProviderEntity>): Promise<void> {
    await this.providers.update({ id }, values);
  }

  async softDelete(id: string): Promise<void> {
    await this.providers.softDelete({ id });
  }
}
