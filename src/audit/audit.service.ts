import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditContext } from './audit-context';
import { AuditLogEntity } from './audit-log.entity';
import { redactSecrets } from './redact';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  changes: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditLogEntity) private readonly auditLog: Repository<AuditLogEntity>,
  ) {}

  /** Pass the transaction's manager so the change and its audit row commit or fail together. */
  async record(context: AuditContext, entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(AuditLogEntity) : this.auditLog;
    const row = repository.create({
      actor: context.actor,
      requestId: context.requestId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      changes: redactSecrets(entry.changes) as Record<string, unknown>,
    });
    await repository.save(row);
  }

  findForTarget(targetType: string, targetId: string): Promise<AuditLogEntity[]> {
    return this.auditLog.find({ where: { targetType, targetId }, order: { id: 'ASC' } });
  }
}
