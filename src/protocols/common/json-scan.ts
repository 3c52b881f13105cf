/**
 * A non-allocating JSON scanner for the hot path. A same-protocol request is forwarded as the
 * client's bytes, so the gateway needs only a few top-level fields of it (model, stream, limits);
 * parsing a 400 KB Claude Code body into objects just to read them cost ~1 ms of CPU and a burst
 * of garbage per request. This walks the bytes once, checks the document's structure (brackets,
 * commas, colons, literals, numbers, string termination) and reports where the values are.
 *
 * What it does not check, unlike `JSON.parse`: escape sequences and raw control characters inside
 * strings. Such a body is still forwarded only to an upstream of the client's own protocol, which
 * refuses it in that protocol's error shape; any conversion parses the body fully first.
 */

/** A byte range [start, end) of one JSON value in a buffer. */
export interface JsonSpan {
  start: number;
  end: number;
}

export class JsonScanError extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at byte ${offset}`);
  }
}

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** Strings longer than this are finished with `indexOf` (memchr) instead of a byte loop. */
const SHORT_STRING = 48;

const LITERALS: ReadonlyMap<number, Buffer> = new Map([
  [0x74, Buffer.from('true')],
  [0x66, Buffer.from('false')],
  [0x6e, Buffer.from('null')],
]);

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(raw: Buffer, at: number): number {
  let position = at;
  while (position < raw.length && isWhitespace(raw[position])) position += 1;
  return position;
}

/** `at` is just past an opening quote; returns the index just past the closing one. */
function skipStringBody(raw: Buffer, at: number): number {
  const shortEnd = Math.min(raw.length, at + SHORT_STRING);
  let position = at;
  while (position < shortEnd) {
    const byte = raw[position];
    if (byte === QUOTE) return position + 1;
    position += byte === BACKSLASH ? 2 : 1;
  }
  for (;;) {
    const quote = raw.indexOf(QUOTE, position);
    if (quote < 0) throw new JsonScanError(raw.length);
    let backslashes = 0;
    while (quote - backslashes - 1 >= at && raw[quote - backslashes - 1] === BACKSLASH) {
      backslashes += 1;
    }
    if (backslashes % 2 === 0) return quote + 1;
    position = quote + 1;
  }
}

function skipDigits(raw: Buffer, at: number): number {
  let position = at;
  while (position < raw.length && raw[position] >= ZERO && raw[position] <= NINE) position += 1;
  return position;
}

/** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function skipNumber(raw: Buffer, at: number): number {
  let position = raw[at] === MINUS ? at + 1 : at;
  const integerEnd = skipDigits(raw, position);
  if (integerEnd === position || (raw[position] === ZERO && integerEnd > position + 1)) {
    throw new JsonScanError(position);
  }
  position = integerEnd;
  if (raw[position] === DOT) {
    const fractionEnd = skipDigits(raw, position + 1);
    if (fractionEnd === position + 1) throw new JsonScanError(position);
    position = fractionEnd;
  }
  if (raw[position] === LOWER_E || raw[position] === UPPER_E) {
    position += 1;
    if (raw[position] === PLUS || raw[position] === MINUS) position += 1;
    const exponentEnd = skipDigits(raw, position);
    if (exponentEnd === position) throw new JsonScanError(position);
    position = exponentEnd;
  }
  return position;
}

/**
 * Skips one value starting at `at` (no leading whitespace) and returns the index just past it.
 * Containers are walked with an explicit stack, so deep nesting cannot overflow the call stack.
 */
export function skipJsonValue(raw: Buffer, at: number): number {
  // Each entry: the closing byte expected for an open container.
  const closers: number[] = [];
  let position = at;
  for (;;) {
    if (position >= raw.length) throw new JsonScanError(position);
    const byte = raw[position];
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      const isObject = byte === OPEN_BRACE;
      const closer = isObject ? CLOSE_BRACE : CLOSE_BRACKET;
      position = skipWhitespace(raw, position + 1);
      if (raw[position] === closer) {
        position += 1;
      } else {
        closers.push(closer);
        if (isObject) position = expectMemberKey(raw, position);
        continue;
      }
    } else if (byte === QUOTE) {
      position = skipStringBody(raw, position + 1);
    } else if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      position = skipNumber(raw, position);
    } else {
      const literal = LITERALS.get(byte);
      const end = position + (literal?.length ?? 0);
      if (!literal || end > raw.length || raw.compare(literal, 0, literal.length, position, end)) {
        throw new JsonScanError(position);
      }
      position += literal.length;
    }
    // A value ended: close containers, or move to the next element/member.
    for (;;) {
      if (closers.length === 0) return position;
      position = skipWhitespace(raw, position);
      const next = raw[position];
      const closer = closers[closers.length - 1];
      if (next === closer) {
        closers.pop();
        position += 1;
        continue;
      }
      if (next !== COMMA) throw new JsonScanError(position);
      position = skipWhitespace(raw, position + 1);
      if (closer === CLOSE_BRACE) position = expectMemberKey(raw, position);
      break;
    }
  }
}

/** At a member's key: skips `"key"` and the colon, returning the start of its value. */
function expectMemberKey(raw: Buffer, at: number): number {
  if (raw[at] !== QUOTE) throw new JsonScanError(at);
  const keyEnd = skipStringBody(raw, at + 1);
  const colon = skipWhitespace(raw, keyEnd);
  if (raw[colon] !== COLON) throw new JsonScanError(colon);
  return skipWhitespace(raw, colon + 1);
}

/** The decoded text of a string key or value span (quotes included in the span). */
export function jsonStringAt(raw: Buffer, span: JsonSpan): string | null {
  if (raw[span.start] !== QUOTE) return null;
  // Plain keys and values (no escapes) need no JSON decoding.
  if (!hasBackslash(raw, span)) return raw.toString('utf8', span.start + 1, span.end - 1);
  try {
    const value: unknown = JSON.parse(raw.toString('utf8', span.start, span.end));
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** `JSON.parse` of one value span (for the few small values the gateway reads). */
export function parseJsonSpan(raw: Buffer, span: JsonSpan): unknown {
  return JSON.parse(raw.toString('utf8', span.start, span.end)) as unknown;
}

/**
 * Walks the object whose `{` is at `start`. For each member, `readMember` gets the key's span
 * (quotes included) and the first byte of its value, and must return the index just past the
 * value (`skipJsonValue` to skip it, or a reader of its own that validates as it goes). Returns
 * the index just past the closing brace; throws JsonScanError on invalid JSON.
 */
export function walkObject(
  raw: Buffer,
  start: number,
  readMember: (key: JsonSpan, valueStart: number) => number,
): number {
  let position = skipWhitespace(raw, start + 1);
  if (raw[position] === CLOSE_BRACE) return position + 1;
  for (;;) {
    const keyStart = position;
    const valueStart = expectMemberKey(raw, position);
    const keyEnd = trimEnd(raw, keyStart, raw.lastIndexOf(COLON, valueStart));
    position = skipWhitespace(raw, readMember({ start: keyStart, end: keyEnd }, valueStart));
    if (raw[position] === CLOSE_BRACE) return position + 1;
    if (raw[position] !== COMMA) throw new JsonScanError(position);
    position = skipWhitespace(raw, position + 1);
  }
}

/** `walkObject` for the array whose `[` is at `start`: `readElement` gets each element's index. */
export function walkArray(
  raw: Buffer,
  start: number,
  readElement: (index: number, elementStart: number) => number,
): number {
  let position = skipWhitespace(raw, start + 1);
  if (raw[position] === CLOSE_BRACKET) return position + 1;
  for (let index = 0; ; index += 1) {
    position = skipWhitespace(raw, readElement(index, position));
    if (raw[position] === CLOSE_BRACKET) return position + 1;
    if (raw[position] !== COMMA) throw new JsonScanError(position);
    position = skipWhitespace(raw, position + 1);
  }
}

/**
 * The whole buffer as one JSON document (whitespace around it allowed): when it is an object, its
 * members are walked as by `walkObject` and the result is true; any other valid value gives
 * false. Throws JsonScanError when the buffer is not exactly one valid JSON value.
 */
export function walkDocument(
  raw: Buffer,
  readMember: (key: JsonSpan, valueStart: number) => number,
): boolean {
  const start = skipWhitespace(raw, 0);
  const isObject = raw[start] === OPEN_BRACE;
  const end = isObject ? walkObject(raw, start, readMember) : skipJsonValue(raw, start);
  if (skipWhitespace(raw, end) !== raw.length) throw new JsonScanError(end);
  return isObject;
}

/** Whether a key span is the JSON string `name` (an ASCII name; escaped spellings included). */
export function keyIs(raw: Buffer, key: JsonSpan, name: string): boolean {
  const length = key.end - key.start - 2;
  if (length === name.length) {
    let index = 0;
    while (index < length && raw[key.start + 1 + index] === name.charCodeAt(index)) index += 1;
    if (index === length) return true;
  }
  // An escaped spelling ("mod\u0065l") is longer than the name; only then is decoding worth it.
  return length > name.length && hasBackslash(raw, key) && jsonStringAt(raw, key) === name;
}

/** Whether a span holds a backslash (searched within the span only: keys are short). */
function hasBackslash(raw: Buffer, span: JsonSpan): boolean {
  for (let index = span.start; index < span.end; index += 1) {
    if (raw[index] === BACKSLASH) return true;
  }
  return false;
}

/**
 * Calls `onMember` for every member of the object at `span` (or of the whole buffer, which must
 * then be exactly one JSON value with whitespace around it at most), duplicates included, in
 * order. Returns false when the value is not an object; throws when the JSON is invalid.
 */
export function forEachMember(
  raw: Buffer,
  span: JsonSpan | undefined,
  onMember: (key: string, value: JsonSpan) => void,
): boolean {
  const readMember = (keySpan: JsonSpan, valueStart: number): number => {
    const valueEnd = skipJsonValue(raw, valueStart);
    const key = jsonStringAt(raw, keySpan);
    if (key !== null) onMember(key, { start: valueStart, end: valueEnd });
    return valueEnd;
  };
  if (!span) return walkDocument(raw, readMember);
  if (raw[span.start] !== OPEN_BRACE) return false;
  walkObject(raw, span.start, readMember);
  return true;
}

/** The end of a key span: the closing quote's index + 1, before any whitespace and the colon. */
function trimEnd(raw: Buffer, start: number, colon: number): number {
  let end = colon;
  while (end > start && isWhitespace(raw[end - 1])) end -= 1;
  return end;
}
