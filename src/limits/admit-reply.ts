import {
  admittedHeaders,
  refusedHeaders,
  scopeHeadroom,
  type ScopeSnapshot,
} from './limit-headers';
import {
  AdmitRequest,
  AdmitResult,
  BUDGET_WINDOWS,
  BudgetWindow,
  LimitScope,
  RateLimitHeaders,
} from './limits.types';
import { replyMicros } from './usd-micros';
import type { AdmitReply } from './admit-batch';

/** Values per scope of the admission in the script's 'ok' reply (see `admitScript`). */
const SLOT_FIELDS = 4;
/** Values per scope of the call in the script's last reply, the spend. */
const SPENT_FIELDS = 6;

/**
 * What the admission script saw of each scope: from the admission's 'ok' reply, per scope
 * rpmCount, rpmOldest, inflight and reserved; from the call's spend, per scope the five budget
 * windows' spend, then the oldest rolling bucket with spend (-1 if none), which `resetsAt` turns
 * into the windows' reset instants.
 */
export function readSnapshots(
  answer: AdmitReply,
  scopes: readonly LimitScope[],
  resetsAt: (oldestRollingBucket: number) => Record<BudgetWindow, number | null>,
): ScopeSnapshot[] {
  const { reply, spent, positions } = answer;
  return scopes.map((scope, index): ScopeSnapshot => {
    const field = (offset: number) => reply[1 + index * SLOT_FIELDS + offset];
    const spend = (offset: number) => spent[positions[index] * SPENT_FIELDS + offset];
    return {
      scope,
      rpmCount: Number(field(0)),
      rpmOldest: Number(field(1)),
      inflight: Number(field(2)),
      reserved: replyMicros(field(3)),
      spent: Object.fromEntries(
        BUDGET_WINDOWS.map((window, w) => [window, replyMicros(spend(w))]),
      ) as Record<BudgetWindow, bigint>,
      resetsAt: resetsAt(Number(spend(5))),
    };
  });
}

/** The result of one admission from its reply in the admission script's batch reply. */
export function admitResult(
  request: AdmitRequest,
  answer: AdmitReply,
  reserve: bigint,
  resetsAt: (oldestRollingBucket: number) => Record<BudgetWindow, number | null>,
): AdmitResult {
  const { now, reply } = answer;
  if (reply[0] === 'refused') {
    const kind = reply[1] as 'rate' | 'concurrency' | 'budget';
    const scope = request.scopes[Number(reply[2]) - 1];
    const window = reply[3] === '' ? undefined : (reply[3] as BudgetWindow);
    const retryMs = Number(reply[4]);
    const retryAfterSeconds = retryMs >= 0 ? Math.max(1, Math.ceil(retryMs / 1000)) : null;
    return {
      ok: false,
      kind,
      scope: scope.kind,
      scopeId: scope.id,
      ...(window ? { window } : {}),
      retryAfterSeconds,
      headers: refusedHeaders(scope, kind, window, retryAfterSeconds),
    };
  }
  if (reply[0] !== 'ok') throw new Error('LimitsEngine: unexpected admit reply');
  // The headers and the headroom are built when first read, not per admission: the proxy reads
  // neither on a success (it shows limit headers on a refusal only), and building them (every
  // scope's spend as bigints, the dollar amounts as text) was a few percent of the engine's CPU.
  let snapshots: ScopeSnapshot[] | undefined;
  const seen = () => (snapshots ??= readSnapshots(answer, request.scopes, resetsAt));
  let headers: RateLimitHeaders | undefined;
  let headroom: number | undefined;
  return {
    ok: true,
    reservation: {
      requestId: request.requestId,
      admittedAt: now,
      scopes: request.scopes.map(({ kind, id }) => ({ kind, id })),
      reservedMicros: reserve.toString(),
      degraded: false,
    },
    get headers() {
      return (headers ??= admittedHeaders(seen(), now));
    },
    get headroom() {
      return (headroom ??= Math.min(...seen().map((snapshot) => scopeHeadroom(snapshot, reserve))));
    },
  };
}
