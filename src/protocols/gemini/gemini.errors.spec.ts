import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeGeminiError, encodeGeminiError, geminiStreamErrorFrame } from './gemini.errors';

describe(decodeGeminiError.name, () => {
  it.each([
    [429, 'RESOURCE_EXHAUSTED', 'rate_limit_error'],
    [503, 'UNAVAILABLE', 'overloaded_error'],
    [401, 'UNAUTHENTICATED', 'authentication_error'],
    [403, 'PERMISSION_DENIED', 'permission_error'],
    [404, 'NOT_FOUND', 'not_found_error'],
    [400, 'INVALID_ARGUMENT', 'invalid_request_error'],
    [400, 'FAILED_PRECONDITION', 'invalid_request_error'],
    [500, 'INTERNAL', 'api_error'],
    [504, 'DEADLINE_EXCEEDED', 'timeout_error'],
  ])('should map %d %s to %s', (code, status, errorType) => {
    const body = { error: { code, message: 'boom', status } };
    expect(decodeGeminiError(code, body)).toEqual({ status: code, errorType, message: 'boom' });
  });

  it('should prefer the Google status name over the HTTP status', () => {
    expect(decodeGeminiError(400, { error: { status: 'RESOURCE_EXHAUSTED' } }).errorType).toBe(
      'rate_limit_error',
    );
  });

  it('should read the captured 429 body', () => {
    const raw = readFileSync(
      join(__dirname, '../../../test/fixtures/protocols/gemini/upstream-responses/error-429.txt'),
      'utf8',
    );
    expect(decodeGeminiError(429, raw)).toEqual({
      status: 429,
      errorType: 'rate_limit_error',
      message: 'Quota exceeded for this project.',
    });
  });

  it('should treat an invalid API key as an authentication error', () => {
    const body = {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
        ],
      },
    };
    expect(decodeGeminiError(400, body)).toMatchObject({
      status: 400,
      errorType: 'authentication_error',
    });
  });

  it('should read an error wrapped in an array (non-SSE stream)', () => {
    const body = [{ error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } }];
    expect(decodeGeminiError(503, body)).toEqual({
      status: 503,
      errorType: 'overloaded_error',
      message: 'busy',
    });
  });

  it('should take the status from the error code for an in-band stream error', () => {
    expect(decodeGeminiError(200, { error: { code: 500, message: 'x' } })).toEqual({
      status: 500,
      errorType: 'api_error',
      message: 'x',
    });
  });

  it.each([
    [
      'plain text',
      502,
      'Bad Gateway',
      { status: 502, errorType: 'api_error', message: 'Bad Gateway' },
    ],
    [
      'null',
      404,
      null,
      { status: 404, errorType: 'not_found_error', message: 'Upstream returned HTTP 404' },
    ],
    [
      'an empty string',
      529,
      '  ',
      { status: 529, errorType: 'overloaded_error', message: 'Upstream returned HTTP 529' },
    ],
    [
      'an object without error',
      413,
      { oops: 1 },
      { status: 413, errorType: 'request_too_large', message: 'Upstream returned HTTP 413' },
    ],
  ])('should tolerate a body that is %s', (_name, status, body, expected) => {
    expect(decodeGeminiError(status, body)).toEqual(expected);
  });
});

describe(encodeGeminiError.name, () => {
  it.each([
    [429, 'rate_limit_error', 429, 'RESOURCE_EXHAUSTED'],
    [529, 'overloaded_error', 503, 'UNAVAILABLE'],
    [401, 'authentication_error', 401, 'UNAUTHENTICATED'],
    [403, 'permission_error', 403, 'PERMISSION_DENIED'],
    [402, 'billing_error', 402, 'FAILED_PRECONDITION'],
    [404, 'not_found_error', 404, 'NOT_FOUND'],
    [400, 'invalid_request_error', 400, 'INVALID_ARGUMENT'],
    [413, 'request_too_large', 413, 'INVALID_ARGUMENT'],
    [504, 'timeout_error', 504, 'DEADLINE_EXCEEDED'],
    [500, 'api_error', 500, 'INTERNAL'],
    [418, 'something_else', 418, 'INVALID_ARGUMENT'],
  ])('should encode %d %s as code %d %s', (status, errorType, code, googleStatus) => {
    expect(encodeGeminiError(status, errorType, 'msg')).toEqual({
      error: { code, message: 'msg', status: googleStatus },
    });
  });

  it('should survive a round trip through decodeGeminiError', () => {
    const body = encodeGeminiError(429, 'rate_limit_error', 'slow down');
    expect(decodeGeminiError(429, body)).toEqual({
      status: 429,
      errorType: 'rate_limit_error',
      message: 'slow down',
    });
  });
});

describe(geminiStreamErrorFrame.name, () => {
  it('should write one data frame ended by a blank line', () => {
    expect(geminiStreamErrorFrame(500, 'api_error', 'line\nbreak')).toBe(
      'data: {"error":{"code":500,"message":"line\\nbreak","status":"INTERNAL"}}\n\n',
    );
  });
});
