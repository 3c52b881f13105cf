import { SseParser } from '../sse/sse-parser';
import {
  anthropicErrorBody,
  anthropicErrorType,
  anthropicStreamErrorFrame,
} from './anthropic-messages.errors';

describe(anthropicErrorType.name, () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])('should map %i to %s', (status, type) => {
    expect(anthropicErrorType(status)).toBe(type);
  });

  it('should map unlisted 4xx statuses to invalid_request_error', () => {
    expect(anthropicErrorType(405)).toBe('invalid_request_error');
    expect(anthropicErrorType(422)).toBe('invalid_request_error');
  });

  it('should map unlisted 5xx and non-error statuses to api_error', () => {
    expect(anthropicErrorType(502)).toBe('api_error');
    expect(anthropicErrorType(599)).toBe('api_error');
    expect(anthropicErrorType(200)).toBe('api_error');
  });
});

describe(anthropicErrorBody.name, () => {
  it('should build the Anthropic error envelope with the request id when one is given', () => {
    expect(anthropicErrorBody(429, 'Slow down', 'req_123')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Slow down' },
      request_id: 'req_123',
    });
  });

  it('should omit request_id when none is given', () => {
    expect(anthropicErrorBody(401, 'Invalid API key')).toStrictEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'Invalid API key' },
    });
  });
});

describe(anthropicStreamErrorFrame.name, () => {
  it('should produce an error event frame that parses back to the error body', () => {
    const frame = anthropicStreamErrorFrame(529, 'Overloaded', 'req_9');
    expect(frame.startsWith('event: error\ndata: {')).toBe(true);
    expect(frame.endsWith('\n\n')).toBe(true);
    const [event] = new SseParser().push(frame);
    expect(event.event).toBe('error');
    expect(JSON.parse(event.data)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: 'req_9',
    });
  });

  it('should keep the frame on one data line when the message contains line breaks', () => {
    const frame = anthropicStreamErrorFrame(500, 'line one\nline two');
    expect(frame.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
    const [event] = new SseParser().push(frame);
    expect(JSON.parse(event.data).error.message).toBe('line one\nline two');
  });
});
