/**
 * OpenAI error bodies (`{error:{message,type,param,code}}`) to and from the Anthropic `error.type`
 * vocabulary that `DecodedError` uses. OpenAI SDKs classify errors by HTTP status, so the `type`
 * and `code` written here follow the values OpenAI really sends rather than an exact mirror of
 * Anthropic's names (401 is `invalid_request_error` + `invalid_api_key`, 429 is `requests` +
 * `rate_limit_exceeded`, quota is `insufficient_quota`, 5xx is `server_error`).
 */
import { irErrorTypeForStatus } from '../ir/ir-error';
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { DecodedError } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import { ChatErrorBody } from './openai-chat.wire';

/** Longest piece of a non-JSON error body quoted in a message. */
const MAX_RAW_MESSAGE = 500;

/** OpenAI `type`/`code` values that say more than the status does. */
function refinedErrorType(status: number, type: string | null, code: string | null): string {
  if (type === 'insufficient_quota' || code === 'insufficient_quota') return 'billing_error';
  if (code === 'invalid_api_key') return 'authentication_error';
  return irErrorTypeForStatus(status);
}

function parseBody(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return parseBody(body.toString('utf8'));
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** The `error` object of an OpenAI error body, read defensively. */
function readOpenAiError(parsed: unknown): {
  message: string | null;
  type: string | null;
  code: string | null;
} {
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (isRecord(error)) {
    const code = typeof error.code === 'number' ? String(error.code) : stringOrNull(error.code);
    return { message: stringOrNull(error.message), type: stringOrNull(error.type), code };
  }
  // Some compatible providers send `{"error":"text"}` or `{"message":"text"}`.
  if (typeof error === 'string') return { message: error, type: null, code: null };
  if (isRecord(parsed)) return { message: stringOrNull(parsed.message), type: null, code: null };
  return { message: null, type: null, code: null };
}

/** An upstream error answer, whatever its shape (object, JSON text, plain text, nothing). */
export function decodeChatError(status: number, body: unknown): DecodedError {
  const parsed = parseBody(body);
  const { message, type, code } = readOpenAiError(parsed);
  const fallback =
    typeof parsed === 'string' && parsed.trim() !== ''
      ? parsed.trim().slice(0, MAX_RAW_MESSAGE)
      : `Upstream returned HTTP ${status}`;
  return { status, errorType: refinedErrorType(status, type, code), message: message ?? fallback };
}

/**
 * The status of an error that arrived inside a stream (`data: {"error":…}`), where there is no
 * HTTP status to read: a numeric `code` if there is one, else a guess from the type and code.
 */
export function decodeChatStreamError(data: unknown): DecodedError {
  const error = isRecord(data) && isRecord(data.error) ? data.error : {};
  const numeric = Number(error.code ?? error.status);
  let status = 500;
  if (Number.isInteger(numeric) && numeric >= 400 && numeric < 600) status = numeric;
  else {
    const label = `${stringOrNull(error.type) ?? ''} ${stringOrNull(error.code) ?? ''}`;
    if (/rate_limit|insufficient_quota|requests|tokens/.test(label)) status = 429;
    else if (/invalid_request/.test(label)) status = 400;
    else if (/overloaded/.test(label)) status = 503;
  }
  return decodeChatError(status, data);
}

const OPENAI_ERROR_SHAPES = new Map<string, { type: string; code: string | null }>([
  ['invalid_request_error', { type: 'invalid_request_error', code: null }],
  ['request_too_large', { type: 'invalid_request_error', code: null }],
  ['not_found_error', { type: 'invalid_request_error', code: null }],
  ['authentication_error', { type: 'invalid_request_error', code: 'invalid_api_key' }],
  ['permission_error', { type: 'invalid_request_error', code: null }],
  ['billing_error', { type: 'insufficient_quota', code: 'insufficient_quota' }],
  ['rate_limit_error', { type: 'requests', code: 'rate_limit_exceeded' }],
  ['api_error', { type: 'server_error', code: null }],
  ['overloaded_error', { type: 'server_error', code: null }],
  ['timeout_error', { type: 'server_error', code: null }],
]);

/** The error body a Chat client gets for a status and Anthropic-vocabulary error type. */
export function encodeChatError(status: number, errorType: string, message: string): ChatErrorBody {
  const shape = OPENAI_ERROR_SHAPES.get(errorType) ?? {
    type: status >= 400 && status < 500 ? 'invalid_request_error' : 'server_error',
    code: null,
  };
  return { error: { message, type: shape.type, param: null, code: shape.code } };
}

/** An in-band stream error (the OpenAI SDK throws on a chunk carrying `error`), then `[DONE]`. */
export function chatStreamErrorFrames(status: number, errorType: string, message: string): string {
  return (
    formatSseEvent(undefined, JSON.stringify(encodeChatError(status, errorType, message))) +
    formatSseEvent(undefined, '[DONE]')
  );
}
