import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Limits } from '../common/limits/limits';

export enum ProviderType {
  Anthropic = 'anthropic',
  OpenAiChat = 'openai-chat',
  OpenAiResponses = 'openai-responses',
  Gemini = 'gemini',
}

/** How the upstream key is sent; relays differ from the vendors they front. */
export enum ProviderAuthScheme {
  /** The vendor's own header: `x-api-key` (Anthropic), Bearer (OpenAI), `x-goog-api-key` (Gemini). */
  Native = 'native',
  Bearer = 'bearer',
  XApiKey = 'x-api-key',
}

export interface ProviderTimeouts {
  connectMs?: number;
  firstByteMs?: number;
  idleMs?: number;
}

@Entity({ name: 'providers' })
@Index('uq_providers_name_live', ['name'], { unique: true, where: '"deleted_at" IS NULL' })
export class ProviderEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'type', type: 'enum', enum: ProviderType, enumName: 'provider_type' })
  type!: ProviderType;

  @Column({ name: 'base_url', type: 'varchar', length: 2048 })
  baseUrl!: string;

  /** AES-256-GCM under MASTER_KEY (see SecretBox); never returned by the API. */
  @Column({ name: 'api_key_encrypted', type: 'text' })
  apiKeyEncrypted!: string;

  @Column({ name: 'api_key_preview', type: 'varchar', length: 32 })
  apiKeyPreview!: string;

  @Column({
    name: 'auth_scheme',
    type: 'enum',
    enum: ProviderAuthScheme,
    enumName: 'provider_auth_scheme',
    default: ProviderAuthScheme.Native,
  })
  authScheme!: ProviderAuthScheme;

  @Column({ name: 'weight', type: 'integer', default: 1 })
  weight!: number;

  /** Lower is preferred; failover walks the tiers upward. */
  @Column({ name: 'priority', type: 'integer', default: 0 })
  priority!: number;

  @Column({ name: 'groups', type: 'text', array: true, default: () => "'{default}'" })
  groups!: string[];

  /** Model allowlist (exact or `prefix*`); empty admits every model. */
  @Column({ name: 'models', type: 'text', array: true, default: () => "'{}'" })
  models!: string[];

  @Column({ name: 'model_redirects', type: 'jsonb', default: () => "'{}'" })
  modelRedirects!: Record<string, string>;

  /** Exact decimal kept as a string by the pg driver. */
  @Column({ name: 'cost_multiplier', type: 'numeric', precision: 10, scale: 4, default: 1 })
  costMultiplier!: string;

  @Column({ name: 'timeouts', type: 'jsonb', default: () => "'{}'" })
  timeouts!: ProviderTimeouts;

  @Column({ name: 'limits', type: 'jsonb', default: () => "'{}'" })
  limits!: Limits;

  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled!: boolean;

  /**
   * The operator's explicit permission for this provider (requests and health probes) to reach
   * loopback, private and link-local addresses the egress guard otherwise refuses, whatever
   * `EGRESS_ALLOWLIST` says. Every other provider stays guarded.
   */
  @Column({ name: 'allow_private_egress', type: 'boolean', default: false })
  allowPrivateEgress!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Soft delete keeps the ledger's provider references resolvable. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
