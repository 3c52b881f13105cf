/**
 * Hot-path inspection of Anthropic Messages requests. The gateway forwards the client's bytes
 * unchanged whenever it can, so this reads only the fields routing and metering need and never
 * re-serialises the body.
 */
import { isRecord } from '../common/json-narrowing';
import {
  forEachMember,
  JsonSpan,
  jsonStringAt,
  parseJsonSpan,
  scanArray,
  scanObject,
} from '../common/json-scan';

export type AnthropicRequestInspection =
  | {
      ok: true;
      model: string;
      stream: boolean;
      maxTokens: number | null;
      metadataSessionId: string | null;
    }
  | { ok: false; message: string };

/** Longer values are not session ids we want as metering keys (and would bloat the records). */
const MAX_SESSION_ID_LENGTH = 128;
const LEGACY_SESSION_ID =
  /_session_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Validates the fields the gateway relies on; everything else is left to the upstream. */
export function inspectAnthropicRequest(body: unknown): AnthropicRequestInspection {
  if (!isRecord(body)) return { ok: false, message: 'Request body must be a JSON object' };
  const { model, messages, max_tokens: maxTokens, stream } = body;
  if (!Array.isArray(messages)) return inspectFields(model, null, maxTokens, stream, body.metadata);
  const badMessage = messages.findIndex(
    (message) => !isRecord(message) || typeof message.role !== 'string',
  );
  return inspectFields(model, badMessage, maxTokens, stream, body.metadata);
}

/**
 * The same inspection straight from the request bytes, without parsing the body into objects:
 * only the top-level members and each message's `role` are looked at. Throws a JsonScanError
 * when the body is not well-formed JSON (see json-scan for what that scan checks).
 */
export function inspectAnthropicBytes(raw: Buffer): AnthropicRequestInspection {
  const members = scanObject(raw);
  if (!members) return { ok: false, message: 'Request body must be a JSON object' };
  const valueOf = (name: string): unknown => {
    const span = members.get(name);
    return span ? parseJsonSpan(raw, span) : undefined;
  };
  const messages = members.get('messages');
  const elements = messages ? scanArray(raw, messages) : null;
  const badMessage = elements?.findIndex((element) => !hasStringRole(raw, element)) ?? null;
  const model = members.get('model');
  return inspectFields(
    model && raw[model.start] === QUOTE ? jsonStringAt(raw, model) : null,
    badMessage,
    valueOf('max_tokens'),
    valueOf('stream'),
    valueOf('metadata'),
  );
}

function hasStringRole(raw: Buffer, message: JsonSpan): boolean {
  const role = scanObject(raw, message)?.get('role');
  return role !== undefined && raw[role.start] === QUOTE;
}

/**
 * `badMessage`: null when `messages` is not an array, else the index of the first element that is
 * not an object with a string role (-1 when all are).
 */
function inspectFields(
  model: unknown,
  badMessage: number | null,
  maxTokens: unknown,
  stream: unknown,
  metadata: unknown,
): AnthropicRequestInspection {
  if (typeof model !== 'string' || model.length === 0) {
    return { ok: false, message: 'model: must be a non-empty string' };
  }
  if (badMessage === null) return { ok: false, message: 'messages: must be an array' };
  if (badMessage >= 0) {
    return { ok: false, message: `messages.${badMessage}: must be an object with a role` };
  }
  if (maxTokens !== undefined && !(Number.isSafeInteger(maxTokens) && Number(maxTokens) > 0)) {
    return { ok: false, message: 'max_tokens: must be a positive integer' };
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    return { ok: false, message: 'stream: must be a boolean' };
  }
  return {
    ok: true,
    model,
    stream: stream === true,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
    metadataSessionId: sessionIdFromMetadata(metadata),
  };
}

/**
 * Claude Code's session id from `metadata.user_id`. Current versions send a JSON *string* with a
 * `session_id` member; older ones sent `user_<hash>_account_<uuid?>_session_<uuid>`.
 */
function sessionIdFromMetadata(metadata: unknown): string | null {
  if (!isRecord(metadata) || typeof metadata.user_id !== 'string') return null;
  const userId = metadata.user_id;
  if (userId.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(userId);
    } catch {
      return null;
    }
    if (!isRecord(parsed)) return null;
    const sessionId = parsed.session_id;
    return typeof sessionId === 'string' &&
      sessionId.length > 0 &&
      sessionId.length <= MAX_SESSION_ID_LENGTH
      ? sessionId
      : null;
  }
  return LEGACY_SESSION_ID.exec(userId)?.[1] ?? null;
}

const QUOTE = 0x22;

/**
 * Replaces the top-level `"model"` value of a JSON object body, splicing bytes so that the rest of
 * the client's body (prompt-cache prefixes included) is forwarded byte for byte.
 *
 * The replacement is only made when the effective top-level model (the last one, as in
 * `JSON.parse`) equals `from`; otherwise, or when the body is not a JSON object, the *same* Buffer
 * instance is returned, so callers can detect "nothing replaced" by identity.
 */
export function replaceModelInJson(raw: Buffer, from: string, to: string): Buffer {
  const spans: JsonSpan[] = [];
  try {
    forEachMember(raw, undefined, (key, span) => {
      if (key === 'model') spans.push(span);
    });
  } catch {
    return raw;
  }
  const last = spans.at(-1);
  if (!last || jsonStringAt(raw, last) !== from) return raw;

  // Duplicate top-level keys are all replaced so that no parser, first-wins or last-wins, can
  // still see the old model.
  const replacement = Buffer.from(JSON.stringify(to));
  const pieces: Buffer[] = [];
  let cursor = 0;
  for (const span of spans) {
    if (raw[span.start] !== QUOTE) continue;
    pieces.push(raw.subarray(cursor, span.start), replacement);
    cursor = span.end;
  }
  pieces.push(raw.subarray(cursor));
  return Buffer.concat(pieces);
}
