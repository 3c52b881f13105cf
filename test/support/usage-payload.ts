import { randomUUID } from 'node:crypto';
import { UsageStatus } from '../../src/billing/usage-record.entity';
import { RecordUsagePayload } from '../../src/jobs/job-payloads';

/** A complete ledger record of a successful streamed request, with a fresh request id. */
export function usagePayload(overrides: Partial<RecordUsagePayload> = {}): RecordUsagePayload {
  return {
    requestId: randomUUID(),
    userId: randomUUID(),
    apiKeyId: randomUUID(),
    providerId: null,
    clientProtocol: 'anthropic',
    clientName: 'claude-code',
    providerProtocol: 'anthropic',
    requestedModel: 'claude-sonnet-4-5',
    upstreamModel: 'claude-sonnet-4-5',
    sessionId: 'session-1',
    stream: true,
    inputTokens: 12,
    outputTokens: 34,
    cacheWrite5mTokens: 5,
    cacheWrite1hTokens: 6,
    cacheReadTokens: 7,
    reasoningTokens: 0,
    costUsd: '0.0012345678',
    priceVersion: 'test',
    status: UsageStatus.Success,
    httpStatus: 200,
    stopReason: 'end_turn',
    errorClass: null,
    attempts: 1,
    durationMs: 120,
    ttfbMs: 40,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}
