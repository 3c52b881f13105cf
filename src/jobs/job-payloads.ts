import { UsageStatus } from '../billing/usage-record.entity';
import { AttemptNote } from '../billing/attempt-note';
import { JobName } from './queue-names';

/** A usage record as it travels through the queue: numbers for counts, a decimal string for cost. */
export interface RecordUsagePayload {
  requestId: string;
  userId: string;
  apiKeyId: string;
  providerId: string | null;
  clientProtocol: string;
  clientName: string;
  providerProtocol: string | null;
  requestedModel: string;
  upstreamModel: string | null;
  sessionId: string | null;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  costUsd: string | null;
  priceVersion: string | null;
  status: UsageStatus;
  httpStatus: number | null;
  stopReason: string | null;
  errorClass: string | null;
  attempts: number;
  /** Absent in records queued or spooled by older versions. */
  attemptLog?: AttemptNote[];
  durationMs: number;
  ttfbMs: number | null;
  /** ISO time the request started; the ledger is dated by it, not by when the worker ran. */
  createdAt: string;
}

/** Usage records of requests that finished within a few milliseconds of each other. */
export interface RecordUsageBatchPayload {
  records: RecordUsagePayload[];
}

/**
 * Usage records as `COPY` text, what gateways enqueue: the worker hands the text to Postgres as
 * it came, without building an object per record, and the job carries half the bytes of the
 * same records as JSON objects (no field names).
 */
export interface RecordUsageCopyPayload {
  /** The ledger column of each field of a line, in order: the enqueuing release's columns. */
  columns: string[];
  /** How many lines `text` holds. */
  count: number;
  /** One line per record, in `COPY`'s text format (`ledgerCopyText`). */
  text: string;
}

/** The sweep probes every enabled provider; it carries no data of its own. */
export type ProviderHealthSweepPayload = Record<string, never>;

/** One map from job name to payload, shared by producers and processors. */
export interface JobPayloads {
  [JobName.RecordUsage]: RecordUsagePayload;
  [JobName.RecordUsageBatch]: RecordUsageBatchPayload;
  [JobName.RecordUsageCopy]: RecordUsageCopyPayload;
  [JobName.ProviderHealthSweep]: ProviderHealthSweepPayload;
}
