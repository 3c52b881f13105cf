/**
 * OpenAI error envelopes ↔ the gateway's neutral error vocabulary (Anthropic `error.type`s).
 * Reading is tolerant: an upstream may answer an error with any body at all.
 */
import { irErrorTypeForStatus } from '../ir/ir-error';
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { DecodedError } from '../protocol-adapter';
import { OpenAiErrorBody } from './openai-responses.wire';

/** OpenAI error codes that say more than the status does. */
const ERROR_TYPE_BY_CODE: Record<string, string> = {
  rate_limit_exceeded: 'rate_limit_error',
  insufficient_quota: 'billing_error',
  invalid_api_key: 'authentication_error',
  model_not_found: 'not_found_error',
  context_length_exceeded: 'invalid_request_error',
  server_error: 'api_error',
  server_is_overloaded: 'overloaded_error',
};

/** Status for an in-band (stream) error code, which arrives without an HTTP status. */
const STATUS_BY_CODE: Record<string, number> = {
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  invalid_api_key: 401,
  model_not_found: 404,
  context_length_exceeded: 400,
  invalid_prompt: 400,
  server_is_overloaded: 503,
};

export function decodeOpenAiError(status: number, body: unknown): DecodedError {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  const record = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  const error = isRecord(record) ? (isRecord(record.error) ? record.error : record) : null;
  const code = error ? (stringOrNull(error.code) ?? stringOrNull(error.type)) : null;
  let message = error ? stringOrNull(error.message) : null;
  if (message === null && isRecord(record)) message = stringOrNull(record.error);
  if (message === null && typeof body === 'string' && body.trim() !== '') {
    message = body.trim().slice(0, 500);
  }
  // A generic code (`server_error`, which OpenAI also sends as the type of a 503) says less than
  // the status does: only a specific code overrides the status's class.
  const byCode = code !== null ? ERROR_TYPE_BY_CODE[code] : undefined;
  return {
    status,
    errorType:
      byCode === undefined || byCode === 'api_error' ? irErrorTypeForStatus(status) : byCode,
    message: message ?? `Upstream returned HTTP ${status}`,
  };
}

/** An in-band error (`error` event, `response.failed`) with only a code and a message. */
export function decodeStreamError(error: unknown): DecodedError {
  const record = isRecord(error) ? error : {};
  const code = stringOrNull(record.code) ?? stringOrNull(record.type) ?? 'server_error';
  const status = STATUS_BY_CODE[code] ?? 500;
  return {
    status,
    errorType: ERROR_TYPE_BY_CODE[code] ?? irErrorTypeForStatus(status),
    message: stringOrNull(record.message) ?? 'Upstream stream failed',
  };
}

const CONTEXT_TOO_LONG =
  /prompt is too long|context (length|window)|maximum context|too many tokens/i;

/** The OpenAI `type` and `code` for a neutral error; Codex acts on the code (compaction, retry). */
export function openAiErrorClass(
  errorType: string,
  message: string,
): { type: string; code: string | null } {
  switch (errorType) {
    case 'invalid_request_error':
      return CONTEXT_TOO_LONG.test(message)
        ? { type: 'invalid_request_error', code: 'context_length_exceeded' }
        : { type: 'invalid_request_error', code: null };
    case 'authentication_error':
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 'permission_error':
      return { type: 'invalid_request_error', code: 'permission_denied' };
    case 'not_found_error':
      return { type: 'invalid_request_error', code: 'not_found' };
    case 'request_too_large':
      return { type: 'invalid_request_error', code: 'request_too_large' };
    case 'rate_limit_error':
      return { type: 'requests', code: 'rate_limit_exceeded' };
    case 'billing_error':
      return { type: 'insufficient_quota', code: 'insufficient_quota' };
    case 'overloaded_error':
      return { type: 'server_error', code: 'server_is_overloaded' };
    case 'timeout_error':
      return { type: 'server_error', code: 'timeout' };
    default:
      return { type: 'server_error', code: 'server_error' };
  }
}

export function encodeOpenAiError(
  _status: number,
  errorType: string,
  message: string,
): OpenAiErrorBody {
  const { type, code } = openAiErrorClass(errorType, message);
  return { error: { message, type, param: null, code } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
