import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Limits } from '../common/limits/limits';

export enum UserRole {
  Admin = 'admin',
  Finance = 'finance',
  User = 'user',
}

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({
    name: 'role',
    type: 'enum',
    enum: UserRole,
    enumName: 'user_role',
    default: UserRole.User,
  })
  role!: UserRole;

  @Column({ name: 'provider_group', type: 'varchar', length: 100, nullable: true })
  providerGroup!: string | null;

  /** Null means every model; otherwise exact names or `prefix*` patterns. */
  @Column({ name: 'allowed_models', type: 'text', array: true, nullable: true })
  allowedModels!: string[] | null;

  @Column({ name: 'limits', type: 'jsonb', default: () => "'{}'" })
  limits!: Limits;

  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Users are soft-deleted: the ledger keeps pointing at them for finance reports. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
