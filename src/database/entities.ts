import { AuditLogEntity } from '../audit/audit-log.entity';
import { ModelPriceEntity } from '../billing/model-price.entity';
import { UsageRecordEntity } from '../billing/usage-record.entity';
import { ApiKeyEntity } from '../keys/api-key.entity';
import { ProviderEntity } from '../providers/provider.entity';
import { UserEntity } from '../users/user.entity';

export const ENTITIES = [
  UserEntity,
  ApiKeyEntity,
  ProviderEntity,
  UsageRecordEntity,
  AuditLogEntity,
  ModelPriceEntity,
];
