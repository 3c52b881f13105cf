import { api } from './api';
import type { CostReport } from './types';

/**
 * Names of users and providers for ids in the ledger. Read from the cost report (roles admin and
 * finance), which also knows deleted users and providers that still have usage.
 */
export async function loadNames(): Promise<{
  users: Map<string, string>;
  providers: Map<string, string>;
}> {
  const [users, providers] = await Promise.all([
    api.get<CostReport>('/api/reports/costs', { groupBy: 'user' }),
    api.get<CostReport>('/api/reports/costs', { groupBy: 'provider' }),
  ]);
  const toMap = (report: CostReport): Map<string, string> =>
    new Map(
      report.rows
        .filter((row) => row.id !== null)
        .map((row) => [row.id as string, row.name ?? row.id ?? '']),
    );
  return { users: toMap(users), providers: toMap(providers) };
}
