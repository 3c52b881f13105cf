import { AttemptNote } from './attempt-note';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum UsageStatus {
  Success = 'success',
  Error = 'error',
  Aborted = 'aborted',
}

/**
 * One row per gateway request: the ledger finance reports on. Written only by the worker
 * (or the gateway's fallback path), idempotently on `request_id`.
 */
@Entity({ name: 'usage_records' })
@Index('idx_usage_records_user_created', ['userId', 'createdAt'])
@Index('idx_usage_records_key_created', ['apiKeyId', 'createdAt'])
@Index('idx_usage_records_provider_created', ['providerId', 'createdAt'])
@Index('idx_usage_records_created', ['createdAt'])
export class UsageRecordEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Index('uq_usage_records_request_id', { unique: true })
  @Column({ name: 'request_id', type: 'varchar', length: 64 })
  requestId!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'api_key_id', type: 'uuid' })
  apiKeyId!: string;

  @Column({ name: 'provider_id', type: 'uuid', nullable: true })
  providerId!: string | null;

  @Column({ name: 'client_protocol', type: 'varchar', length: 32 })
  clientProtocol!: string;

  @Column({ name: 'client_name', type: 'varchar', length: 32 })
  clientName!: string;

  @Column({ name: 'provider_protocol', type: 'varchar', length: 32, nullable: true })
  providerProtocol!: string | null;

  @Column({ name: 'requested_model', type: 'varchar', length: 200 })
  requestedModel!: string;

  @Column({ name: 'upstream_model', type: 'varchar', length: 200, nullable: true })
  upstreamModel!: string | null;

  @Column({ name: 'session_id', type: 'varchar', length: 200, nullable: true })
  sessionId!: string | null;

  @Column({ name: 'stream', type: 'boolean', default: false })
  stream!: boolean;

  /** Uncached input tokens (Anthropic meaning; see protocols.md §C.2). */
  @Column({ name: 'input_tokens', type: 'bigint', default: 0 })
  inputTokens!: string;

  @Column({ name: 'output_tokens', type: 'bigint', default: 0 })
  outputTokens!: string;

  @Column({ name: 'cache_write_5m_tokens', type: 'bigint', default: 0 })
  cacheWrite5mTokens!: string;

  @Column({ name: 'cache_write_1h_tokens', type: 'bigint', default: 0 })
  cacheWrite1hTokens!: string;

  @Column({ name: 'cache_read_tokens', type: 'bigint', default: 0 })
  cacheReadTokens!: string;

  /** Reasoning tokens, already included in output_tokens; kept for insight only. */
  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 })
  reasoningTokens!: string;

  /** Exact decimal USD, frozen at request time. Null when the model has no price. */
  @Column({ name: 'cost_usd', type: 'numeric', precision: 20, scale: 10, nullable: true })
  costUsd!: string | null;

  @Column({ name: 'price_version', type: 'varchar', length: 64, nullable: true })
  priceVersion!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: UsageStatus;

  @Column({ name: 'http_status', type: 'integer', nullable: true })
  httpStatus!: number | null;

  @Column({ name: 'stop_reason', type: 'varchar', length: 64, nullable: true })
  stopReason!: string | null;

  @Column({ name: 'error_class', type: 'varchar', length: 64, nullable: true })
  errorClass!: string | null;

  @Column({ name: 'attempts', type: 'integer', default: 1 })
  attempts!: number;

  /** Every provider tried, in order, with its outcome: why a request failed over, and where. */
  @Column({ name: 'attempt_log', type: 'jsonb', nullable: true })
  attemptLog!: AttemptNote[] | null;

  @Column({ name: 'duration_ms', type: 'integer', default: 0 })
  durationMs!: number;

  @Column({ name: 'ttfb_ms', type: 'integer', nullable: true })
  ttfbMs!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
