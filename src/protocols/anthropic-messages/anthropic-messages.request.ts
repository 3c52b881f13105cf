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
  keyIs,
  OPEN_BRACE,
  OPEN_BRACKET,
  parseJsonSpan,
  QUOTE,
  skipJsonValue,
  walkArray,
  walkDocument,
  walkObject,
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

/** Top-level members whose (small) values the inspection parses. */
const INSPECTED_FIELDS = ['model', 'max_tokens', 'stream', 'metadata'] as const;

/**
 * The same inspection straight from the request bytes, in one pass and without parsing the body
 * into objects: the top-level members are located, and each message is walked only as far as
 * its keys to find a string `role`. Throws a JsonScanError when the body is not well-formed JSON
 * (see json-scan for what that scan checks).
 */
export function inspectAnthropicBytes(raw: Buffer): AnthropicRequestInspection {
  const fields = new Map<string, JsonSpan>();
  /** As in inspectFields: null while no `messages` array was seen, else the first bad index. */
  let badMessage: number | null = null;
  const isObject = walkDocument(raw, (key, valueStart) => {
    if (keyIs(raw, key, 'messages')) {
      // Duplicate keys: the last one counts, as in JSON.parse.
      if (raw[valueStart] !== OPEN_BRACKET) {
        badMessage = null;
        return skipJsonValue(raw, valueStart);
      }
      let firstBad = -1;
      const end = walkArray(raw, valueStart, (index, elementStart) => {
        if (raw[elementStart] !== OPEN_BRACE) {
          if (firstBad < 0) firstBad = index;
          return skipJsonValue(raw, elementStart);
        }
        const message = messageHasStringRole(raw, elementStart);
        if (!message.ok && firstBad < 0) firstBad = index;
        return message.end;
      });
      badMessage = firstBad;
      return end;
    }
    const end = skipJsonValue(raw, valueStart);
    const field = INSPECTED_FIELDS.find((name) => keyIs(raw, key, name));
    if (field) fields.set(field, { start: valueStart, end });
    return end;
  });
  if (!isObject) return { ok: false, message: 'Request body must be a JSON object' };
  const valueOf = (name: string): unknown => {
    const span = fields.get(name);
    return span ? parseJsonSpan(raw, span) : undefined;
  };
  const model = fields.get('model');
  return inspectFields(
    model && raw[model.start] === QUOTE ? jsonStringAt(raw, model) : null,
    badMessage,
    valueOf('max_tokens'),
    valueOf('stream'),
    valueOf('metadata'),
  );
}

/** Walks one message object (its `{` at `start`): whether its last `role` is a string, and its end. */
function messageHasStringRole(raw: Buffer, start: number): { ok: boolean; end: number } {
  let ok = false;
  const end = walkObject(raw, start, (key, valueStart) => {
    if (keyIs(raw, key, 'role')) ok = raw[valueStart] === QUOTE;
    return skipJsonValue(raw, valueStart);
  });
  return { ok, end };
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
