import { Transform } from 'class-transformer';
import {
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { decodeMasterKey } from '../common/crypto/master-key';

export const ROLE_NAMES = ['gateway', 'admin', 'worker'] as const;
export type ProcessRole = (typeof ROLE_NAMES)[number];

export enum NodeEnv {
  Development = 'development',
  Production = 'production',
  Test = 'test',
}

@ValidatorConstraint({ name: 'masterKey' })
class MasterKeyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && decodeMasterKey(value) !== null;
  }
  defaultMessage(): string {
    return 'MASTER_KEY must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)';
  }
}

@ValidatorConstraint({ name: 'roles' })
class RolesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((role) => (ROLE_NAMES as readonly unknown[]).includes(role))
    );
  }
  defaultMessage(): string {
    return `CCH_ROLES must be a comma-separated list of ${ROLE_NAMES.join(', ')}`;
  }
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
    : value;

/**
 * Every environment variable the service reads. Validated once at boot; a bad value stops the
 * start with a message naming the variable. `.env.example` documents each key (a test checks it).
 */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @IsString()
  @MinLength(32, { message: 'ADMIN_TOKEN must be at least 32 characters' })
  ADMIN_TOKEN!: string;

  @Validate(MasterKeyConstraint)
  MASTER_KEY!: string;

  @Transform(toList)
  @Validate(RolesConstraint)
  CCH_ROLES: ProcessRole[] = [...ROLE_NAMES];

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Trust X-Forwarded-* from the ingress in front of CCH. */
  @IsOptional()
  @IsIn(['true', 'false'])
  TRUST_PROXY = 'false';

  /** How often the worker probes every enabled provider. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  HEALTH_CHECK_INTERVAL_SECONDS = 60;
}
