/**
 * Errors across the adapter boundary: upstream error answers of any shape → `DecodedError`, and the
 * IR's error class (the Anthropic `error.type` vocabulary) → Anthropic bodies and stream frames.
 */
import { isRecord } from '../common/json-narrowing';
import { DecodedError } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import {
  anthropicErrorBody,
  AnthropicErrorBody,
  anthropicErrorType,
  AnthropicErrorType,
  anthropicStreamErrorFrame,
} from './anthropic-messages.errors';

const STATUS_BY_TYPE: Record<AnthropicErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function isAnthropicErrorType(value: unknown): value is AnthropicErrorType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STATUS_BY_TYPE, value);
}

/** The HTTP status Anthropic uses for an `error.type` (in-band stream errors carry none). */
export function statusForAnthropicErrorType(type: string): number {
  return isAnthropicErrorType(type) ? STATUS_BY_TYPE[type] : 500;
}

/**
 * An upstream error answer: Anthropic's `{type:"error", error:{type, message}}`, but also the
 * OpenAI (`{error:{message,type,code}}`) and Google (`{error:{code,message,status}}`) envelopes,
 * a bare `{message}`, JSON text or plain text, which proxies in front of Anthropic produce.
 */
export function decodeAnthropicError(status: number, body: unknown): DecodedError {
  const value = typeof body === 'string' ? parseJson(body) : body;
  const error = isRecord(value) && isRecord(value.error) ? value.error : value;
  let message = '';
  let type: unknown;
  if (isRecord(error)) {
    if (typeof error.message === 'string') message = error.message;
    type = error.type;
  } else if (typeof error === 'string') {
    message = error;
  }
  if (message === '' && typeof body === 'string') message = body.slice(0, 1000);
  return {
    status,
    errorType: isAnthropicErrorType(type) ? type : anthropicErrorType(status),
    message: message === '' ? `Upstream returned HTTP ${status}` : message,
  };
}

/** A client error body; the given type wins over the one implied by the status when it is known. */
export function encodeAnthropicError(
  status: number,
  errorType: string,
  message: string,
): AnthropicErrorBody {
  const body = anthropicErrorBody(status, message);
  if (isAnthropicErrorType(errorType)) body.error.type = errorType;
  return body;
}

/** The `event: error` frame of a failed stream, keeping a known error type. */
export function anthropicErrorFrame(status: number, errorType: string, message: string): string {
  if (!isAnthropicErrorType(errorType) || errorType === anthropicErrorType(status)) {
    return anthropicStreamErrorFrame(status, message);
  }
  return formatSseEvent('error', JSON.stringify(encodeAnthropicError(status, errorType, message)));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
