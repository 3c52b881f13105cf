import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { call } from './http';

export interface SeededKey {
  userId: string;
  keyId: string;
  key: string;
}

/** A user and a gateway key, created through the admin API as an admin would. */
export async function seedUserAndKey(
  baseUrl: string,
  user: Record<string, unknown> = {},
  key: Record<string, unknown> = {},
): Promise<SeededKey> {
  const created = await call(baseUrl, 'POST', '/api/users', {
    body: { name: `user-${randomUUID()}`, ...user },
  });
  if (created.status !== 201) throw new Error(`user not created: ${JSON.stringify(created.body)}`);
  const userId = String(created.body.id);
  const issued = await call(baseUrl, 'POST', `/api/users/${userId}/keys`, {
    body: { name: 'test', ...key },
  });
  if (issued.status !== 201) throw new Error(`key not created: ${JSON.stringify(issued.body)}`);
  return { userId, keyId: String(issued.body.id), key: String(issued.body.key) };
}

export async function seedProvider(
  baseUrl: string,
  body: Record<string, unknown>,
): Promise<string> {
  const created = await call(baseUrl, 'POST', '/api/providers', {
    body: { name: `provider-${randomUUID()}`, type: 'anthropic', ...body },
  });
  if (created.status !== 201)
    throw new Error(`provider not created: ${JSON.stringify(created.body)}`);
  return String(created.body.id);
}

export interface LedgerRow {
  request_id: string;
  user_id: string;
  api_key_id: string;
  provider_id: string | null;
  status: string;
  client_name: string;
  requested_model: string;
  upstream_model: string | null;
  session_id: string | null;
  input_tokens: string;
  output_tokens: string;
  cache_write_5m_tokens: string;
  cache_write_1h_tokens: string;
  cache_read_tokens: string;
  cost_usd: string | null;
  attempts: number;
  attempt_log: unknown[] | null;
  error_class: string | null;
  http_status: number | null;
  stream: boolean;
  ttfb_ms: number | null;
}

/** Waits until the ledger holds `count` rows for the key (the worker writes them asynchronously). */
export async function waitForLedger(
  db: Client,
  keyId: string,
  count: number,
  timeoutMs = 15_000,
): Promise<LedgerRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await db.query<LedgerRow>(
      'SELECT * FROM usage_records WHERE api_key_id = $1 ORDER BY created_at, id',
      [keyId],
    );
    if (result.rows.length >= count || Date.now() > deadline) return result.rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits for the ledger row of one request (by the `x-cch-request-id` the gateway answered with). */
export function waitForRequest(
  db: Client,
  requestId: string | null,
  timeoutMs = 15_000,
): Promise<LedgerRow | undefined> {
  return waitForRow(db, 'request_id = $1', [requestId], timeoutMs);
}

/** Waits for the first ledger row matching a condition (the worker writes rows asynchronously). */
export async function waitForRow(
  db: Client,
  condition: string,
  params: unknown[],
  timeoutMs = 15_000,
): Promise<LedgerRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await db.query<LedgerRow>(
      `SELECT * FROM usage_records WHERE ${condition} LIMIT 1`,
      params,
    );
    if (result.rows[0] || Date.now() > deadline) return result.rows[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
