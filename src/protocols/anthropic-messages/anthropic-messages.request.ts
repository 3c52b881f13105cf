/**
 * Hot-path inspection of Anthropic Messages requests. The gateway forwards the client's bytes
 * unchanged whenever it can, so this reads only the fields routing and metering need and never
 * re-serialises the body.
 */
import { isRecord } from '../common/json-narrowing';

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
  if (typeof model !== 'string' || model.length === 0) {
    return { ok: false, message: 'model: must be a non-empty string' };
  }
  if (!Array.isArray(messages)) return { ok: false, message: 'messages: must be an array' };
  const badMessage = messages.findIndex(
    (message) => !isRecord(message) || typeof message.role !== 'string',
  );
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
    metadataSessionId: sessionIdFromMetadata(body.metadata),
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
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const MODEL_KEY = Buffer.from('"model"');
/** Longest escaped spelling of "model" (every letter as \uXXXX) plus its quotes. */
const MAX_ESCAPED_MODEL_KEY_LENGTH = 32;

/** Byte span [start, end) of a top-level `"model"` value, quotes included; -1 when not a string. */
interface ValueSpan {
  start: number;
  end: number;
}

/**
 * Replaces the top-level `"model"` value of a JSON object body, splicing bytes so that the rest of
 * the client's body (prompt-cache prefixes included) is forwarded byte for byte.
 *
 * The body must be valid JSON (it was parsed before a redirect is decided). The replacement is
 * only made when the effective top-level model (the last one, as in `JSON.parse`) equals `from`;
 * otherwise, or when the body is not a JSON object, the *same* Buffer instance is returned, so
 * callers can detect "nothing replaced" by identity.
 */
export function replaceModelInJson(raw: Buffer, from: string, to: string): Buffer {
  const spans = topLevelModelSpans(raw);
  if (spans === null || spans.length === 0) return raw;
  const last = spans[spans.length - 1];
  if (last.start < 0 || decodeJsonString(raw, last.start, last.end) !== from) return raw;

  // Duplicate top-level keys are all replaced so that no parser, first-wins or last-wins, can
  // still see the old model.
  const replacement = Buffer.from(JSON.stringify(to));
  const pieces: Buffer[] = [];
  let cursor = 0;
  for (const span of spans) {
    if (span.start < 0) continue;
    pieces.push(raw.subarray(cursor, span.start), replacement);
    cursor = span.end;
  }
  pieces.push(raw.subarray(cursor));
  return Buffer.concat(pieces);
}

/**
 * Finds every top-level `"model"` value with a minimal JSON scanner: it tracks nesting depth and
 * skips strings (escapes included), so `"model"` keys inside messages or tool schemas and
 * `"model"` appearing as a value or inside text are never matched. Works on bytes: every JSON
 * structural character is ASCII, and UTF-8 never encodes other characters with ASCII bytes.
 * Returns null when the input is not a JSON object or a string is unterminated.
 */
function topLevelModelSpans(raw: Buffer): ValueSpan[] | null {
  const length = raw.length;
  let i = 0;
  while (i < length && isJsonWhitespace(raw[i])) i++;
  if (raw[i] !== OPEN_BRACE) return null;

  const spans: ValueSpan[] = [];
  let depth = 0;
  let expectKey = false;
  /** The last top-level key was "model" and its value has not been seen yet. */
  let modelValuePending = false;
  const closeNonStringModel = (): void => {
    if (modelValuePending) spans.push({ start: -1, end: -1 });
    modelValuePending = false;
  };

  while (i < length) {
    const byte = raw[i];
    if (byte === QUOTE) {
      const end = stringEnd(raw, i);
      if (end < 0) return null;
      if (depth === 1) {
        if (expectKey) {
          expectKey = false;
          modelValuePending = isModelKey(raw, i, end);
        } else if (modelValuePending) {
          spans.push({ start: i, end });
          modelValuePending = false;
        }
      }
      i = end;
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (depth === 1) closeNonStringModel();
      depth++;
      if (depth === 1) expectKey = true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth === 1) closeNonStringModel();
      depth--;
      if (depth === 0) break; // end of the root object; trailing bytes are not ours to judge
    } else if (byte === COMMA && depth === 1) {
      closeNonStringModel();
      expectKey = true;
    }
    i++;
  }
  return spans;
}

/**
 * Index just past the closing quote of the string opening at `start`, or -1 if unterminated.
 * Jumps between quotes with native indexOf (strings are most of a prompt's bytes) and treats a
 * quote as escaped when an odd number of backslashes precedes it.
 */
function stringEnd(raw: Buffer, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = raw.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let j = quote - 1; j > start && raw[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function isModelKey(raw: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length === MODEL_KEY.length) return raw.compare(MODEL_KEY, 0, length, start, end) === 0;
  // An escaped spelling such as "mod\u0065l" is the same key to any JSON parser.
  if (length > MAX_ESCAPED_MODEL_KEY_LENGTH || length < MODEL_KEY.length) return false;
  const backslash = raw.indexOf(BACKSLASH, start);
  return backslash !== -1 && backslash < end && decodeJsonString(raw, start, end) === 'model';
}

function decodeJsonString(raw: Buffer, start: number, end: number): string | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8', start, end));
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
