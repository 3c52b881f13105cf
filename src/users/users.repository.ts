import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { UserEntity } from './user.entity';

/** The only code that touches the `users` table. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** Same queries, bound to a transaction's manager. */
  withManager(manager: EntityManager): UsersRepository {
    return new UsersRepository(manager.getRepository(UserEntity));
  }

  create(values: Partial<UserEntity>): Promise<UserEntity> {
    return this.users.save(this.users.create(values));
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id } });
  }

  findPage(skip: number, take: number): Promise<[UserEntity[], number]> {
    return this.users.findAndCount({ order: { createdAt: 'ASC', id: 'ASC' }, skip, take });
  }

  async update(id: string, values: Partial<UserEntity>): Promise<void> {
    await this.users.update({ id }, values);
  }

  async softDelete(id: string): Promise<void> {
    await this.users.softDelete({ id });
  }
}
