import { readFixture } from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { decodeOpenAiError, decodeStreamError, encodeOpenAiError } from './openai-responses.errors';

describe(decodeOpenAiError.name, () => {
  it('should read the OpenAI error envelope and refine the type by its code', () => {
    const body = JSON.parse(readFixture('upstream-error.429.json')) as unknown;
    expect(decodeOpenAiError(429, body)).toEqual({
      status: 429,
      errorType: 'rate_limit_error',
      message: 'Rate limit reached for requests. Please try again in 1s.',
    });
  });

  it.each([
    [
      429,
      { error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' } },
      'billing_error',
      'quota',
    ],
    [
      400,
      {
        error: {
          message: 'too long',
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        },
      },
      'invalid_request_error',
      'too long',
    ],
    [
      401,
      { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } },
      'authentication_error',
      'bad key',
    ],
    [
      404,
      { error: { message: 'no model', code: 'model_not_found' } },
      'not_found_error',
      'no model',
    ],
    [503, { error: 'upstream busy' }, 'overloaded_error', 'upstream busy'],
    [500, '{"error":{"message":"boom","type":"server_error"}}', 'api_error', 'boom'],
    [502, '<html>Bad gateway</html>', 'api_error', '<html>Bad gateway</html>'],
    [400, [{ error: { code: 400, message: 'array body' } }], 'invalid_request_error', 'array body'],
    [413, null, 'request_too_large', 'Upstream returned HTTP 413'],
    [504, {}, 'timeout_error', 'Upstream returned HTTP 504'],
  ])('should decode a %i answer with body %j', (status, body, errorType, message) => {
    expect(decodeOpenAiError(status, body)).toEqual({ status, errorType, message });
  });
});

describe(decodeStreamError.name, () => {
  it.each([
    [{ code: 'rate_limit_exceeded', message: 'slow down' }, 429, 'rate_limit_error'],
    [{ code: 'server_error', message: 'oops' }, 500, 'api_error'],
    [{ code: 'context_length_exceeded', message: 'long' }, 400, 'invalid_request_error'],
    [{}, 500, 'api_error'],
  ])('should give an in-band error %j a status and type', (error, status, errorType) => {
    expect(decodeStreamError(error)).toMatchObject({ status, errorType });
  });
});

describe(encodeOpenAiError.name, () => {
  it.each([
    ['invalid_request_error', 'bad', 'invalid_request_error', null],
    [
      'invalid_request_error',
      'prompt is too long: 300000 tokens',
      'invalid_request_error',
      'context_length_exceeded',
    ],
    ['authentication_error', 'bad key', 'invalid_request_error', 'invalid_api_key'],
    ['rate_limit_error', 'slow', 'requests', 'rate_limit_exceeded'],
    ['billing_error', 'pay', 'insufficient_quota', 'insufficient_quota'],
    ['overloaded_error', 'busy', 'server_error', 'server_is_overloaded'],
    ['api_error', 'boom', 'server_error', 'server_error'],
  ])('should encode %s as OpenAI type and code', (errorType, message, type, code) => {
    expect(encodeOpenAiError(400, errorType, message)).toEqual({
      error: { message, type, param: null, code },
    });
  });
});
