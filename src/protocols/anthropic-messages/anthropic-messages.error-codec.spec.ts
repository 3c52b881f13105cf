import { SseParser } from '../sse/sse-parser';
import {
  anthropicErrorFrame,
  decodeAnthropicError,
  encodeAnthropicError,
  statusForAnthropicErrorType,
} from './anthropic-messages.error-codec';

describe(decodeAnthropicError.name, () => {
  it('should read an Anthropic error body', () => {
    expect(
      decodeAnthropicError(529, {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: 'req_1',
      }),
    ).toEqual({ status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
  });

  it('should read an Anthropic error body given as JSON text', () => {
    expect(
      decodeAnthropicError(
        429,
        '{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}',
      ),
    ).toEqual({ status: 429, errorType: 'rate_limit_error', message: 'Slow down' });
  });

  it('should classify foreign envelopes by status', () => {
    expect(
      decodeAnthropicError(429, { error: { message: 'quota', type: 'insufficient_quota' } }),
    ).toEqual({ status: 429, errorType: 'rate_limit_error', message: 'quota' });
    expect(
      decodeAnthropicError(503, { error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } }),
    ).toEqual({ status: 503, errorType: 'overloaded_error', message: 'busy' });
    expect(decodeAnthropicError(404, { message: 'no such model' })).toEqual({
      status: 404,
      errorType: 'not_found_error',
      message: 'no such model',
    });
  });

  it('should fall back to the plain text or a generic message', () => {
    expect(decodeAnthropicError(502, 'Bad Gateway')).toEqual({
      status: 502,
      errorType: 'api_error',
      message: 'Bad Gateway',
    });
    expect(decodeAnthropicError(500, null)).toEqual({
      status: 500,
      errorType: 'api_error',
      message: 'Upstream returned HTTP 500',
    });
  });
});

describe(encodeAnthropicError.name, () => {
  it('should build the Anthropic envelope and keep a known error type', () => {
    expect(encodeAnthropicError(400, 'invalid_request_error', 'bad')).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'bad' },
    });
    expect(encodeAnthropicError(500, 'overloaded_error', 'busy').error.type).toBe(
      'overloaded_error',
    );
    expect(encodeAnthropicError(401, 'made_up', 'no').error.type).toBe('authentication_error');
  });
});

describe(statusForAnthropicErrorType.name, () => {
  it('should map error types to Anthropic statuses', () => {
    expect(statusForAnthropicErrorType('overloaded_error')).toBe(529);
    expect(statusForAnthropicErrorType('rate_limit_error')).toBe(429);
    expect(statusForAnthropicErrorType('unknown')).toBe(500);
  });
});

describe(anthropicErrorFrame.name, () => {
  it('should write an error event that keeps the given type', () => {
    const [event] = new SseParser().push(anthropicErrorFrame(500, 'overloaded_error', 'busy'));
    expect(event.event).toBe('error');
    expect(JSON.parse(event.data)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'busy' },
    });
  });
});
