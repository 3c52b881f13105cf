import Decimal from 'decimal.js';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { call } from '../support/http';
import { seededRandom } from '../support/random-splits';
import { seedProvider, seedUserAndKey } from '../support/seed';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';

/**
 * Reports over a randomised ledger. Every expected figure is computed here from the rows the test
 * inserted (BigInt for tokens, decimal.js for money, Intl for local days), never by SQL.
 */

const RUN = Math.random().toString(36).slice(2, 8);
const BERLIN = 'Europe/Berlin';
/** 2026-03-29 01:00Z is the Berlin DST switch: local midnight moves from 23:00Z to 22:00Z. */
const UTC_RANGE = { from: '2026-03-27T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const BERLIN_RANGE = { from: '2026-03-26T23:00:00.000Z', to: '2026-03-31T22:00:00.000Z' };
const GROUPS = ['user', 'key', 'model', 'provider', 'client', 'day'] as const;
type Group = (typeof GROUPS)[number];
const TOKEN_KINDS = [
  'input',
  'output',
  'cacheWrite5m',
  'cacheWrite1h',
  'cacheRead',
  'reasoning',
] as const;
const CSV_TOKEN_COLUMNS = [
  'input_tokens',
  'output_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'cache_read_tokens',
  'reasoning_tokens',
];

interface Row {
  requestId: string;
  userId: string;
  keyId: string;
  providerId: string | null;
  clientName: string;
  requestedModel: string;
  upstreamModel: string | null;
  sessionId: string | null;
  /** input, output, cache write 5m, cache write 1h, cache read, reasoning */
  tokens: bigint[];
  cost: string | null;
  status: 'success' | 'error' | 'aborted';
  createdAt: Date;
}

interface Agg {
  requests: number;
  tokens: bigint[];
  cost: Decimal;
  unpriced: number;
}

/** A report line as JSON or CSV gives it, normalised for comparison. */
interface Line {
  requests: number;
  tokens: string[];
  cost: string;
  unpriced: number;
}

interface JsonLine {
  requests: number;
  tokens: Record<(typeof TOKEN_KINDS)[number], string>;
  costUsd: string;
  unpricedRequests: number;
}

interface CostRow extends JsonLine {
  id: string | null;
  name: string | null;
  keyPrefix?: string | null;
  userId?: string | null;
  userName?: string | null;
}

interface CostReport {
  groupBy: Group;
  range: { from: string | null; to: string | null; tz: string };
  rows: CostRow[];
  totals: JsonLine;
}

const isUnpriced = (row: Row): boolean =>
  row.cost === null && (row.status === 'success' || row.tokens.slice(0, 5).some((t) => t > 0n));

function aggregate(rows: Row[]): Agg {
  const agg: Agg = {
    requests: 0,
    tokens: [0n, 0n, 0n, 0n, 0n, 0n],
    cost: new Decimal(0),
    unpriced: 0,
  };
  for (const row of rows) {
    agg.requests += 1;
    agg.tokens = agg.tokens.map((sum, i) => sum + (row.tokens[i] ?? 0n));
    if (row.cost !== null) agg.cost = agg.cost.plus(row.cost);
    if (isUnpriced(row)) agg.unpriced += 1;
  }
  return agg;
}

/** Exact: the cost string must be the decimal sum with all ten places, not merely close. */
function expected(agg: Agg): Line {
  return {
    requests: agg.requests,
    tokens: agg.tokens.map(String),
    cost: agg.cost.toFixed(10),
    unpriced: agg.unpriced,
  };
}

const fromJson = (line: JsonLine): Line => ({
  requests: line.requests,
  tokens: TOKEN_KINDS.map((kind) => line.tokens[kind]),
  cost: line.costUsd,
  unpriced: line.unpricedRequests,
});

const fromCsv = (record: Record<string, string>): Line => ({
  requests: Number(record.requests),
  tokens: CSV_TOKEN_COLUMNS.map((column) => record[column] ?? 'missing'),
  cost: record.cost_usd ?? 'missing',
  unpriced: Number(record.unpriced_requests),
});

function groupBy<K>(rows: Row[], key: (row: Row) => K): Map<K, Row[]> {
  const groups = new Map<K, Row[]>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return groups;
}

function localDay(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

function groupId(row: Row, group: Group, tz: string): string | null {
  switch (group) {
    case 'user':
      return row.userId;
    case 'key':
      return row.keyId;
    case 'model':
      return row.upstreamModel;
    case 'provider':
      return row.providerId;
    case 'client':
      return row.clientName;
    case 'day':
      return localDay(row.createdAt, tz);
  }
}

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF), independent of the server's writer. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += char;
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  const [header, ...rows] = records;
  return rows.map((cells) => Object.fromEntries((header ?? []).map((h, i) => [h, cells[i] ?? ''])));
}

/** What a spreadsheet-safe CSV shows for a text cell. */
const csvText = (value: string | null): string =>
  value === null ? '' : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;

describe('reports and self-service', () => {
  let ctx: TestApp;
  let db: Client;
  const rows: Row[] = [];
  const userNames = new Map<string, string>();
  const keyInfo = new Map<string, { name: string; prefix: string; userId: string }>();
  const providerNames = new Map<string, string>();
  const users: { userId: string; keyIds: string[] }[] = [];
  let deletedUserId = '';

  async function insert(row: Row): Promise<void> {
    await db.query(
      `INSERT INTO usage_records (request_id, user_id, api_key_id, provider_id, client_protocol,
         client_name, requested_model, upstream_model, session_id, input_tokens, output_tokens,
         cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, reasoning_tokens,
         cost_usd, status, created_at)
       VALUES ($1,$2,$3,$4,'anthropic',$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        row.requestId,
        row.userId,
        row.keyId,
        row.providerId,
        row.clientName,
        row.requestedModel,
        row.upstreamModel,
        row.sessionId,
        ...row.tokens.map(String),
        row.cost,
        row.status,
        row.createdAt.toISOString(),
      ],
    );
  }

  const api = <T>(path: string, token?: string | null) =>
    call<T>(ctx.baseUrl, 'GET', path, { token });

  async function raw(path: string, token: string = TEST_ENV.ADMIN_TOKEN) {
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin' });
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();

    // Names with commas, quotes and a leading "=" exercise CSV quoting and formula guarding.
    const names = ['Ada, "the Countess"', '=SUM(A1) Eve', `Grace Hopper ${RUN}`];
    for (const [index, name] of names.entries()) {
      const first = await seedUserAndKey(ctx.baseUrl, { name }, { name: 'laptop' });
      const keyIds = [first.keyId];
      if (index < 2) {
        const second = await call(ctx.baseUrl, 'POST', `/api/users/${first.userId}/keys`, {
          body: { name: 'ci, "nightly"' },
        });
        keyIds.push(String(second.body.id));
      }
      users.push({ userId: first.userId, keyIds });
      userNames.set(first.userId, name);
    }
    const keys = await db.query<{ id: string; name: string; key_prefix: string; user_id: string }>(
      'SELECT id, name, key_prefix, user_id FROM api_keys WHERE user_id = ANY($1)',
      [users.map((user) => user.userId)],
    );
    for (const key of keys.rows) {
      keyInfo.set(key.id, { name: key.name, prefix: key.key_prefix, userId: key.user_id });
    }
    for (const name of [`anthropic-${RUN}`, `relay, "eu" ${RUN}`]) {
      providerNames.set(
        await seedProvider(ctx.baseUrl, { name, baseUrl: 'http://127.0.0.1:9', apiKey: 'sk-test' }),
        name,
      );
    }

    const random = seededRandom(20261126);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const bigRandom = (max: number): bigint =>
      BigInt(Math.floor(random() * max)) * 1_000_000n + BigInt(Math.floor(random() * 1_000_000));
    const decimal10 = (): string =>
      `${Math.floor(random() * 100)}.${Array.from({ length: 10 }, () => Math.floor(random() * 10)).join('')}`;
    const sessions = new Map(
      users.map((user) => [user.userId, [randomUUID(), randomUUID(), `s, "${RUN}"`]]),
    );
    const providerIds = [...providerNames.keys()];
    const allKeys = users.flatMap((user) =>
      user.keyIds.map((keyId) => ({ keyId, userId: user.userId })),
    );
    const firstDay = Date.UTC(2026, 2, 25);
    // Instants on and next to every range edge and local midnight, plus random ones.
    const edges = [
      '2026-03-26T22:59:59.999Z',
      '2026-03-26T23:00:00.000Z',
      '2026-03-26T23:59:59.999Z',
      '2026-03-27T00:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-28T22:59:59.999Z',
      '2026-03-29T21:59:59.999Z',
      '2026-03-29T22:00:00.000Z',
      '2026-03-31T21:59:59.999Z',
      '2026-03-31T22:00:00.000Z',
      '2026-03-31T23:59:59.999Z',
      '2026-04-01T00:00:00.000Z',
    ].map((iso) => new Date(iso));
    for (let i = 0; i < 420; i += 1) {
      const { keyId, userId } = pick(allKeys);
      const day = firstDay + Math.floor(random() * 8) * 86_400_000;
      const nearMidnight = random() < 0.7;
      const offset = nearMidnight
        ? Math.floor((random() * 240 - 150) * 60_000 + random() * 60_000)
        : Math.floor(random() * 86_400_000);
      const createdAt = i < edges.length ? edges[i] : new Date(day + offset);
      const model = pick(['claude-sonnet-4-5', 'claude-haiku-4-5', 'mystery-1', 'mystery-2']);
      const priced = model.startsWith('claude');
      const roll = random();
      const status = roll < 0.72 ? 'success' : roll < 0.86 ? 'aborted' : 'error';
      const reached = status !== 'error' || random() < 0.5;
      const hasTokens = status === 'success' || (status === 'aborted' && random() < 0.7);
      const huge = random() < 0.05;
      const tokens = hasTokens
        ? [
            bigRandom(huge ? 9_000_000_000 : 200),
            bigRandom(50),
            random() < 0.5 ? bigRandom(20) : 0n,
            random() < 0.3 ? bigRandom(20) : 0n,
            bigRandom(500),
          ]
        : [0n, 0n, 0n, 0n, 0n];
      const output = tokens[1] ?? 0n;
      tokens.push(output > 0n ? output / BigInt(1 + Math.floor(random() * 5)) : 0n);
      const row: Row = {
        requestId: `rep-${RUN}-${i}`,
        userId,
        keyId,
        providerId: reached ? pick(providerIds) : null,
        clientName: pick(['claude-code', 'codex', 'gemini-cli', 'droid', 'sdk']),
        requestedModel:
          model === 'claude-sonnet-4-5' && random() < 0.3 ? 'claude-3-5-sonnet-latest' : model,
        upstreamModel: reached ? model : null,
        sessionId: random() < 0.25 ? null : pick(sessions.get(userId) ?? []),
        tokens,
        cost: reached && priced ? (hasTokens ? decimal10() : '0.0000000000') : null,
        status,
        createdAt,
      };
      rows.push(row);
      await insert(row);
    }
    // A soft-deleted user keeps their ledger and their name in reports.
    deletedUserId = users[2]?.userId ?? '';
    expect((await call(ctx.baseUrl, 'DELETE', `/api/users/${deletedUserId}`)).status).toBe(204);
  });

  afterAll(async () => {
    await db.end();
    await ctx.close();
  });

  const inRange = (range: { from: string; to: string }) =>
    rows.filter(
      (row) =>
        row.createdAt.getTime() >= Date.parse(range.from) &&
        row.createdAt.getTime() < Date.parse(range.to),
    );

  const cases = [
    { tz: 'UTC', query: `from=${UTC_RANGE.from}&to=${UTC_RANGE.to}&tz=UTC`, range: UTC_RANGE },
    { tz: BERLIN, query: `from=2026-03-27&to=2026-04-01&tz=${BERLIN}`, range: BERLIN_RANGE },
  ];

  describe('GET /api/reports/costs', () => {
    it('should place rows near midnight on different local days in UTC and Berlin', () => {
      const late = new Date('2026-03-26T23:30:00Z');
      expect(localDay(late, 'UTC')).toBe('2026-03-26');
      expect(localDay(late, BERLIN)).toBe('2026-03-27');
      const moved = rows.filter(
        (row) => localDay(row.createdAt, 'UTC') !== localDay(row.createdAt, BERLIN),
      );
      expect(moved.length).toBeGreaterThan(50);
      expect(inRange(UTC_RANGE).length).not.toBe(inRange(BERLIN_RANGE).length);
    });

    for (const { tz, query, range } of cases) {
      for (const group of GROUPS) {
        it(`should reconcile groupBy=${group} in ${tz} exactly with the ledger, as JSON and CSV`, async () => {
          const selected = inRange(range);
          const groups = groupBy(selected, (row) => groupId(row, group, tz));
          const response = await api<CostReport>(`/api/reports/costs?groupBy=${group}&${query}`);
          expect(response.status).toBe(200);
          const report = response.body;
          expect(report.range).toEqual({ ...range, tz });
          expect(report.groupBy).toBe(group);

          // Every group, and nothing else, with exactly the sums of its rows.
          expect(report.rows.map((row) => row.id).sort()).toEqual([...groups.keys()].sort());
          for (const row of report.rows) {
            const members = groups.get(row.id) ?? [];
            expect({ id: row.id, ...fromJson(row) }).toEqual({
              id: row.id,
              ...expected(aggregate(members)),
            });
            expect(row.name).toBe(
              group === 'user'
                ? (userNames.get(row.id ?? '') ?? null)
                : group === 'key'
                  ? (keyInfo.get(row.id ?? '')?.name ?? null)
                  : group === 'provider'
                    ? (providerNames.get(row.id ?? '') ?? null)
                    : null,
            );
            if (group === 'key') {
              const info = keyInfo.get(row.id ?? '');
              expect([row.keyPrefix, row.userId, row.userName]).toEqual([
                info?.prefix,
                info?.userId,
                userNames.get(info?.userId ?? ''),
              ]);
            }
          }
          // Totals equal both the ledger and the sum of the lines.
          const total = expected(aggregate(selected));
          expect(fromJson(report.totals)).toEqual(total);
          const lineSum = report.rows.reduce((sum, row) => sum.plus(row.costUsd), new Decimal(0));
          expect(lineSum.toFixed(10)).toBe(report.totals.costUsd);
          expect(report.rows.reduce((sum, row) => sum + BigInt(row.tokens.input), 0n)).toBe(
            BigInt(report.totals.tokens.input),
          );
          if (group === 'day') {
            expect(report.rows.map((row) => row.id)).toEqual([...groups.keys()].sort());
          } else {
            const costs = report.rows.map((row) => new Decimal(row.costUsd));
            costs.slice(1).forEach((cost, i) => expect(cost.lte(costs[i])).toBe(true));
          }

          const csv = await raw(`/api/reports/costs?groupBy=${group}&format=csv&${query}`);
          expect(csv.status).toBe(200);
          expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
          expect(csv.headers.get('content-disposition')).toMatch(
            new RegExp(`^attachment; filename="cch-costs-by_${group}_[A-Za-z0-9._-]+\\.csv"$`),
          );
          const records = parseCsv(csv.text);
          const idColumn = {
            user: 'user_id',
            key: 'key_id',
            model: 'model',
            provider: 'provider_id',
            client: 'client',
            day: 'day',
          }[group];
          expect(records).toHaveLength(report.rows.length);
          for (const [index, record] of records.entries()) {
            const line = report.rows[index];
            const id = record[idColumn] === '' ? null : (record[idColumn] ?? 'missing');
            expect(id === null ? null : id).toBe(line.id === null ? null : csvText(line.id));
            expect(fromCsv(record)).toEqual(expected(aggregate(groups.get(line.id) ?? [])));
            if (group === 'user')
              expect(record.user_name).toBe(csvText(userNames.get(id ?? '') ?? null));
            if (group === 'key') {
              const info = keyInfo.get(id ?? '');
              expect([record.key_name, record.key_prefix, record.user_name]).toEqual([
                info?.name,
                info?.prefix,
                csvText(userNames.get(info?.userId ?? '') ?? null),
              ]);
            }
            if (group === 'provider')
              expect(record.provider_name).toBe(providerNames.get(id ?? '') ?? '');
          }
          const csvCost = records.reduce(
            (sum, record) => sum.plus(record.cost_usd ?? 'NaN'),
            new Decimal(0),
          );
          expect(csvCost.toFixed(10)).toBe(total.cost);
        });
      }
    }

    it('should read instants with offsets and local date-times in tz alike', async () => {
      const byOffset = await api<CostReport>(
        `/api/reports/costs?groupBy=day&tz=${BERLIN}&from=2026-03-27T00:00:00%2B01:00&to=2026-04-01T00:00:00%2B02:00`,
      );
      const byLocal = await api<CostReport>(
        `/api/reports/costs?groupBy=day&tz=europe/berlin&from=2026-03-27T00:00&to=2026-04-01`,
      );
      expect(byOffset.body.range).toEqual({ ...BERLIN_RANGE, tz: BERLIN });
      expect(byLocal.body).toEqual(byOffset.body);
    });

    it('should count what is in an empty range as zero', async () => {
      const empty = await api<CostReport>('/api/reports/costs?from=2020-01-01&to=2020-01-02');
      expect(empty.body.rows).toEqual([]);
      expect(fromJson(empty.body.totals)).toEqual(expected(aggregate([])));
    });
  });

  describe('GET /api/reports/users/:id', () => {
    interface UserReport {
      user: { id: string; name: string; role: string; deleted: boolean };
      range: { from: string; to: string; tz: string };
      days: (JsonLine & { day: string; model: string | null })[];
      sessions: (JsonLine & { sessionId: string | null; firstSeen: string; lastSeen: string })[];
      totals: JsonLine;
    }

    for (const { tz, query, range } of cases) {
      it(`should break a user's cost down by ${tz} day, model and session, reconciled`, async () => {
        for (const user of users) {
          const mine = inRange(range).filter((row) => row.userId === user.userId);
          const response = await api<UserReport>(`/api/reports/users/${user.userId}?${query}`);
          expect(response.status).toBe(200);
          const report = response.body;
          expect(report.user).toEqual({
            id: user.userId,
            name: userNames.get(user.userId),
            role: 'user',
            deleted: user.userId === deletedUserId,
          });
          const days = groupBy(
            mine,
            (row) => `${localDay(row.createdAt, tz)}|${row.upstreamModel}`,
          );
          expect(report.days.map((line) => `${line.day}|${line.model}`).sort()).toEqual(
            [...days.keys()].sort(),
          );
          const dayOrder = report.days.map((line) => line.day);
          expect(dayOrder).toEqual([...dayOrder].sort());
          for (const line of report.days) {
            expect(fromJson(line)).toEqual(
              expected(aggregate(days.get(`${line.day}|${line.model}`) ?? [])),
            );
          }
          const sessions = groupBy(mine, (row) => row.sessionId);
          expect(report.sessions).toHaveLength(sessions.size);
          for (const line of report.sessions) {
            const members = sessions.get(line.sessionId) ?? [];
            const times = members.map((row) => row.createdAt.getTime());
            expect({
              ...fromJson(line),
              firstSeen: line.firstSeen,
              lastSeen: line.lastSeen,
            }).toEqual({
              ...expected(aggregate(members)),
              firstSeen: new Date(Math.min(...times)).toISOString(),
              lastSeen: new Date(Math.max(...times)).toISOString(),
            });
          }
          const total = expected(aggregate(mine));
          expect(fromJson(report.totals)).toEqual(total);
          const sessionCost = report.sessions.reduce(
            (sum, line) => sum.plus(line.costUsd),
            new Decimal(0),
          );
          expect(sessionCost.toFixed(10)).toBe(total.cost);

          const daysCsv = await raw(`/api/reports/users/${user.userId}?${query}&format=csv`);
          expect(daysCsv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
          expect(daysCsv.headers.get('content-disposition')).toContain(
            `cch-user-days_${user.userId}_`,
          );
          const dayRecords = parseCsv(daysCsv.text);
          expect(
            dayRecords.map((record) => ({
              day: record.day,
              model: record.model || null,
              ...fromCsv(record),
            })),
          ).toEqual(
            report.days.map((line) => ({ day: line.day, model: line.model, ...fromJson(line) })),
          );
          const sessionsCsv = await raw(
            `/api/reports/users/${user.userId}?${query}&format=csv&part=sessions`,
          );
          const sessionRecords = parseCsv(sessionsCsv.text);
          expect(
            sessionRecords.map((record) => ({
              id: record.session_id || null,
              first: record.first_seen,
              last: record.last_seen,
              ...fromCsv(record),
            })),
          ).toEqual(
            report.sessions.map((line) => ({
              id: line.sessionId,
              first: line.firstSeen,
              last: line.lastSeen,
              ...fromJson(line),
            })),
          );
        }
      });
    }

    it('should answer 404 for an unknown user and 400 for a bad id', async () => {
      expect((await api(`/api/reports/users/${randomUUID()}`)).status).toBe(404);
      expect((await api('/api/reports/users/nope')).status).toBe(400);
    });
  });

  describe('GET /api/reports/unpriced', () => {
    it('should list models with usage but no price, with request and token counts', async () => {
      interface Unpriced {
        models: {
          model: string | null;
          requestedModels: string[];
          requests: number;
          tokens: JsonLine['tokens'];
          firstSeen: string;
          lastSeen: string;
        }[];
      }
      const selected = inRange(UTC_RANGE).filter(isUnpriced);
      const models = groupBy(selected, (row) => row.upstreamModel);
      expect(models.size).toBeGreaterThanOrEqual(2);
      const response = await api<Unpriced>(
        `/api/reports/unpriced?from=${UTC_RANGE.from}&to=${UTC_RANGE.to}`,
      );
      expect(response.status).toBe(200);
      expect(response.body.models.map((line) => line.model).sort()).toEqual(
        [...models.keys()].sort(),
      );
      for (const line of response.body.models) {
        const members = models.get(line.model) ?? [];
        const agg = expected(aggregate(members));
        const times = members.map((row) => row.createdAt.getTime());
        expect({
          requests: line.requests,
          tokens: TOKEN_KINDS.map((kind) => line.tokens[kind]),
          requestedModels: [...line.requestedModels].sort(),
          firstSeen: line.firstSeen,
          lastSeen: line.lastSeen,
        }).toEqual({
          requests: agg.requests,
          tokens: agg.tokens,
          requestedModels: [...new Set(members.map((row) => row.requestedModel))].sort(),
          firstSeen: new Date(Math.min(...times)).toISOString(),
          lastSeen: new Date(Math.max(...times)).toISOString(),
        });
      }
      // Errors without tokens are not "usage": they are never listed as unpriced.
      const bareErrors = inRange(UTC_RANGE).filter(
        (row) => row.status === 'error' && row.cost === null,
      );
      expect(bareErrors.length).toBeGreaterThan(0);
      expect(bareErrors.some(isUnpriced)).toBe(false);
    });
  });

  describe('roles and validation', () => {
    it('should let finance read every report and refuse plain users and anonymous callers', async () => {
      const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance' });
      const plain = await seedUserAndKey(ctx.baseUrl, { role: 'user' });
      const someone = users[0]?.userId ?? '';
      for (const path of [
        '/api/reports/costs',
        `/api/reports/users/${someone}`,
        '/api/reports/unpriced',
      ]) {
        expect((await api(path, finance.key)).status).toBe(200);
        expect((await api(path, plain.key)).status).toBe(403);
        expect((await api(path, null)).status).toBe(401);
      }
      expect((await raw('/api/reports/costs?format=csv', finance.key)).status).toBe(200);
    });

    it('should answer bad tz, groupBy, from and to with a 400 naming each field', async () => {
      type Bad = { fields: { field: string; messages: string[] }[] };
      const bad = await api<Bad>(
        '/api/reports/costs?tz=Mars/Phobos&groupBy=team&from=yesterday&format=xml',
      );
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((entry) => entry.field).sort()).toEqual([
        'format',
        'from',
        'groupBy',
        'tz',
      ]);
      expect(bad.body.fields.find((entry) => entry.field === 'groupBy')?.messages).toEqual([
        'groupBy must be one of: user, key, model, provider, client, day',
      ]);
      const cases: [string, string][] = [
        ['/api/reports/costs?from=2026-02-30', 'from'],
        ['/api/reports/costs?to=2026-03-01T25:00:00Z', 'to'],
        ['/api/reports/costs?from=2026-03-02&to=2026-03-01', 'to'],
        ['/api/reports/costs?from=2026-03-01&to=2026-03-01', 'to'],
        ['/api/reports/costs?tz=%2B01:00', 'tz'],
        ['/api/reports/costs?tz=UTC%2B1', 'tz'],
        ['/api/reports/costs?surprise=1', 'surprise'],
        ['/api/reports/unpriced?tz=Nowhere/City', 'tz'],
        [`/api/reports/users/${randomUUID()}?part=all`, 'part'],
      ];
      for (const [path, field] of cases) {
        const response = await api<Bad>(path);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(response.body.fields.map((entry) => entry.field)).toEqual([field]);
      }
    });
  });

  describe('GET /api/me and /api/me/usage', () => {
    interface Budget {
      window: string;
      limitUsd: string | null;
      spentUsd: string;
      remainingUsd: string | null;
      windowStart: string | null;
      resetsAt: string | null;
    }
    interface Me {
      user: {
        id: string;
        name: string;
        role: string;
        providerGroup: string | null;
        allowedModels: string[] | null;
      };
      key: { id: string; name: string; keyPrefix: string; expiresAt: string | null };
      providerGroup: string;
      tz: string;
      asOf: string;
      limits: Record<'user' | 'key', { rpm: number | null; budgets: Budget[] }>;
    }
    interface UsagePage {
      items: { requestId: string; userId: string; apiKeyId: string; costUsd: string | null }[];
      total: number;
    }

    let me: { userId: string; keyId: string; key: string };
    let otherKeyId = '';
    let other: { userId: string; keyId: string; key: string };
    const mine: Row[] = [];
    const expiresAt = '2030-01-01T00:00:00.000Z';

    beforeAll(async () => {
      me = await seedUserAndKey(
        ctx.baseUrl,
        {
          name: `Me ${RUN}`,
          providerGroup: 'team-a',
          allowedModels: ['claude-sonnet-4*'],
          limits: { rpm: 30, usd5h: '1', usdDaily: '5', usdMonthly: '100.5' },
        },
        { name: 'my laptop', expiresAt, limits: { usdDaily: '0.5', usdTotal: '1000' } },
      );
      const second = await call(ctx.baseUrl, 'POST', `/api/users/${me.userId}/keys`, {
        body: { name: 'second' },
      });
      otherKeyId = String(second.body.id);
      other = await seedUserAndKey(ctx.baseUrl, { name: `Other ${RUN}` });
      const random = seededRandom(7);
      const now = Date.now();
      const agesMinutes = [
        1, 30, 119, 121, 299, 301, 600, 1500, 2900, 6000, 12000, 30000, 50000, 200000,
      ];
      for (const [i, age] of agesMinutes.entries()) {
        for (const keyId of [me.keyId, otherKeyId]) {
          const row: Row = {
            requestId: `me-${RUN}-${i}-${keyId}`,
            userId: me.userId,
            keyId,
            providerId: null,
            clientName: 'claude-code',
            requestedModel: 'claude-sonnet-4-5',
            upstreamModel: 'claude-sonnet-4-5',
            sessionId: null,
            tokens: [100n, 10n, 0n, 0n, 0n, 0n],
            cost: i === 3 ? null : (random() * 0.9).toFixed(10),
            status: 'success',
            createdAt: new Date(now - age * 60_000 - Math.floor(random() * 50_000)),
          };
          mine.push(row);
          await insert(row);
        }
      }
      await insert({
        ...mine[0],
        requestId: `other-${RUN}`,
        userId: other.userId,
        keyId: other.keyId,
        cost: '9',
      });
    });

    function expectBudgets(
      budgets: Budget[],
      own: Row[],
      limits: Record<string, string>,
      asOf: string,
    ): void {
      expect(budgets.map((budget) => budget.window)).toEqual([
        '5h',
        'daily',
        'weekly',
        'monthly',
        'total',
      ]);
      for (const budget of budgets) {
        const since = budget.windowStart === null ? 0 : Date.parse(budget.windowStart);
        const spent = own
          .filter((row) => row.createdAt.getTime() >= since && row.cost !== null)
          .reduce((sum, row) => sum.plus(row.cost ?? 0), new Decimal(0));
        const limit = limits[budget.window] ?? null;
        expect(budget).toMatchObject({
          spentUsd: spent.toFixed(10),
          limitUsd: limit,
          remainingUsd:
            limit === null ? null : Decimal.max(new Decimal(limit).minus(spent), 0).toFixed(10),
        });
      }
      const [h5] = budgets;
      expect(Date.parse(h5?.windowStart ?? '')).toBe(Date.parse(asOf) - 5 * 3_600_000);
    }

    it("should show the caller's user, key, limits and spend per window, from the ledger", async () => {
      const response = await api<Me>('/api/me', me.key);
      expect(response.status).toBe(200);
      const body = response.body;
      expect(body.user).toMatchObject({
        id: me.userId,
        name: `Me ${RUN}`,
        role: 'user',
        providerGroup: 'team-a',
        allowedModels: ['claude-sonnet-4*'],
      });
      expect(body.key).toMatchObject({ id: me.keyId, name: 'my laptop', expiresAt });
      expect(body.key.keyPrefix).toMatch(/^sk-cch-/);
      expect(body.providerGroup).toBe('team-a');
      expect(body.tz).toBe('UTC');
      expect(body.limits.user.rpm).toBe(30);
      expectBudgets(
        body.limits.user.budgets,
        mine,
        { '5h': '1', daily: '5', monthly: '100.5' },
        body.asOf,
      );
      expectBudgets(
        body.limits.key.budgets,
        mine.filter((row) => row.keyId === me.keyId),
        { daily: '0.5', total: '1000' },
        body.asOf,
      );
      // Calendar windows in UTC: today's midnight, Monday, the 1st; each resets at the next one.
      const asOf = new Date(body.asOf);
      const midnight = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
      const monday = midnight - ((asOf.getUTCDay() + 6) % 7) * 86_400_000;
      const byWindow = new Map(body.limits.user.budgets.map((budget) => [budget.window, budget]));
      expect([byWindow.get('daily')?.windowStart, byWindow.get('daily')?.resetsAt]).toEqual([
        new Date(midnight).toISOString(),
        new Date(midnight + 86_400_000).toISOString(),
      ]);
      expect([byWindow.get('weekly')?.windowStart, byWindow.get('weekly')?.resetsAt]).toEqual([
        new Date(monday).toISOString(),
        new Date(monday + 7 * 86_400_000).toISOString(),
      ]);
      expect([byWindow.get('monthly')?.windowStart, byWindow.get('monthly')?.resetsAt]).toEqual([
        new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1)).toISOString(),
        new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() + 1, 1)).toISOString(),
      ]);
      expect(byWindow.get('total')).toMatchObject({ windowStart: null, resetsAt: null });
    });

    it('should put calendar windows on local midnight of the tz asked for', async () => {
      const response = await api<Me>(`/api/me?tz=${BERLIN}`, me.key);
      expect(response.body.tz).toBe(BERLIN);
      const daily = response.body.limits.user.budgets.find((budget) => budget.window === 'daily');
      const start = new Date(daily?.windowStart ?? '');
      const clock = new Intl.DateTimeFormat('en-GB', {
        timeZone: BERLIN,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
      expect(clock.format(start)).toBe('00:00:00');
      expect(localDay(start, BERLIN)).toBe(localDay(new Date(response.body.asOf), BERLIN));
      expectBudgets(
        response.body.limits.user.budgets,
        mine,
        { '5h': '1', daily: '5', monthly: '100.5' },
        response.body.asOf,
      );
    });

    it("should page the caller's own usage and never show another user's", async () => {
      const all = await api<UsagePage>('/api/me/usage?pageSize=500', me.key);
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(mine.length);
      expect(new Set(all.body.items.map((item) => item.userId))).toEqual(new Set([me.userId]));
      expect(all.body.items.map((item) => item.requestId).sort()).toEqual(
        mine.map((row) => row.requestId).sort(),
      );
      const page = await api<UsagePage>('/api/me/usage?page=2&pageSize=5', me.key);
      expect(page.body.items.map((item) => item.requestId)).toEqual(
        all.body.items.slice(5, 10).map((item) => item.requestId),
      );
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const recent = await api<UsagePage>(`/api/me/usage?from=${since}`, me.key);
      expect(recent.body.total).toBe(
        mine.filter((row) => row.createdAt.getTime() >= Date.parse(since)).length,
      );
      const theirs = await api<UsagePage>('/api/me/usage', other.key);
      expect(theirs.body.items.map((item) => item.requestId)).toEqual([`other-${RUN}`]);
      const theirMe = await api<Me>('/api/me', other.key);
      expect(theirMe.body.user.id).toBe(other.userId);
      expect(
        theirMe.body.limits.user.budgets.find((budget) => budget.window === 'total')?.spentUsd,
      ).toBe('9.0000000000');
      // Users cannot reach anyone else's data through the admin routes either.
      expect((await api(`/api/usage?userId=${me.userId}`, other.key)).status).toBe(403);
      expect((await api(`/api/reports/users/${me.userId}`, other.key)).status).toBe(403);
    });

    it('should refuse the admin token (no user), anonymous callers and bad paging', async () => {
      const admin = await api<{ message: string }>('/api/me');
      expect(admin.status).toBe(403);
      expect(admin.body.message).toContain('belongs to no user');
      expect((await api('/api/me/usage')).status).toBe(403);
      expect((await api('/api/me', null)).status).toBe(401);
      expect((await api('/api/me/usage', 'sk-cch-not-a-real-key')).status).toBe(401);
      const bad = await api<{ fields: { field: string }[] }>(
        '/api/me/usage?pageSize=0&from=soon',
        me.key,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((entry) => entry.field).sort()).toEqual(['from', 'pageSize']);
      const badZone = await api<{ fields: { field: string }[] }>('/api/me?tz=Nowhere/City', me.key);
      expect([badZone.status, badZone.body.fields.map((entry) => entry.field)]).toEqual([
        400,
        ['tz'],
      ]);
      const finance = await seedUserAndKey(ctx.baseUrl, { role: 'finance' });
      expect((await api<Me>('/api/me', finance.key)).body.user.role).toBe('finance');
    });

    it('should document the routes in Swagger under reports and me', async () => {
      const docs = await call<{ paths: Record<string, Record<string, { tags: string[] }>> }>(
        ctx.baseUrl,
        'GET',
        '/docs-json',
        { token: null },
      );
      expect(docs.body.paths['/api/reports/costs']?.get?.tags).toEqual(['reports']);
      expect(docs.body.paths['/api/reports/users/{id}']?.get?.tags).toEqual(['reports']);
      expect(docs.body.paths['/api/reports/unpriced']?.get?.tags).toEqual(['reports']);
      expect(docs.body.paths['/api/me']?.get?.tags).toEqual(['me']);
      expect(docs.body.paths['/api/me/usage']?.get?.tags).toEqual(['me']);
    });
  });
});
