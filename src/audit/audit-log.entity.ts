import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only record of every change made through the admin API; secrets are redacted. */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_target', ['targetType', 'targetId'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  /** `admin-token` or `user:<uuid>`. */
  @Column({ name: 'actor', type: 'varchar', length: 100 })
  actor!: string;

  /** `<resource>.<verb>`, e.g. `provider.update`. */
  @Column({ name: 'action', type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32 })
  targetType!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 64 })
  targetId!: string;

  @Column({ name: 'changes', type: 'jsonb', default: () => "'{}'" })
  changes!: Record<string, unknown>;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Index('idx_audit_log_created')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
