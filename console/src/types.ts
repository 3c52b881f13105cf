/** Shapes of the admin API responses the console reads (see /docs for the full schemas). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Limits {
  rpm?: number;
  concurrentSessions?: number;
  usd5h?: string;
  usdDaily?: string;
  usdWeekly?: string;
  usdMonthly?: string;
  usdTotal?: string;
}

export const LIMIT_FIELDS = [
  'rpm',
  'concurrentSessions',
  'usd5h',
  'usdDaily',
  'usdWeekly',
  'usdMonthly',
  'usdTotal',
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

export interface User {
  id: string;
  name: string;
  role: 'admin' | 'finance' | 'user';
  providerGroup: string | null;
  allowedModels: string[] | null;
  limits: Limits;
  enabled: boolean;
  expiresAt: string | null;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  keyPrefix: string;
  providerGroup: string | null;
  enabled: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface CreatedKey extends ApiKey {
  key: string;
}

export type ProviderType = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';
export const PROVIDER_TYPES: ProviderType[] = [
  'anthropic',
  'openai-chat',
  'openai-responses',
  'gemini',
];

export interface Provider {
  id: string;
  name: string;
  type: ProviderType;
  baseUrl: string;
  apiKeyPreview: string;
  weight: number;
  priority: number;
  groups: string[];
  models: string[];
  costMultiplier: string;
  enabled: boolean;
}

export interface HealthResult {
  providerId: string;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  checkedAt: string;
  error: string | null;
}

export interface ProviderHealth {
  latest: HealthResult | null;
  history: HealthResult[];
}

/** One upstream attempt, when the ledger records them (`attemptLog`); older rows have none. */
export interface AttemptEntry {
  providerId?: string | null;
  providerType?: string | null;
  /** "ok", or the failure class that made the gateway fail over. */
  outcome?: string | null;
  httpStatus?: number | null;
  ms?: number | null;
}

export interface UsageRecord {
  requestId: string;
  createdAt: string;
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
  inputTokens: string;
  outputTokens: string;
  cacheWrite5mTokens: string;
  cacheWrite1hTokens: string;
  cacheReadTokens: string;
  reasoningTokens: string;
  costUsd: string | null;
  status: 'success' | 'error' | 'aborted';
  httpStatus: number | null;
  stopReason: string | null;
  errorClass: string | null;
  attempts: number;
  attemptLog?: AttemptEntry[] | null;
  durationMs: number;
  ttfbMs: number | null;
}

export interface TokenTotals {
  input: string;
  output: string;
  cacheWrite5m: string;
  cacheWrite1h: string;
  cacheRead: string;
  reasoning: string;
}

export interface UsageTotals {
  requests: number;
  tokens: TokenTotals;
  costUsd: string;
  unpricedRequests: number;
}

export interface CostRow extends UsageTotals {
  id: string | null;
  name: string | null;
}

export type GroupBy = 'user' | 'key' | 'model' | 'provider' | 'client' | 'day';

export interface CostReport {
  groupBy: GroupBy;
  rows: CostRow[];
  totals: UsageTotals;
}

export interface BudgetStatus {
  window: '5h' | 'daily' | 'weekly' | 'monthly' | 'total';
  limitUsd: string | null;
  spentUsd: string;
  remainingUsd: string | null;
}

export interface Me {
  user: { id: string; name: string; role: string };
  key: { id: string; name: string; keyPrefix: string };
  providerGroup: string;
  limits: {
    user: { rpm: number | null; concurrentSessions: number | null; budgets: BudgetStatus[] };
    key: { rpm: number | null; concurrentSessions: number | null; budgets: BudgetStatus[] };
  };
}
