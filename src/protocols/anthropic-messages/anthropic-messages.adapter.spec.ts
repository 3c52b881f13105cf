import {
  readFixtureJson,
  testContext,
} from '../../../test/fixtures/protocols/anthropic-messages/fixture-support';
import { SseParser } from '../sse/sse-parser';
import { anthropicMessagesAdapter } from './anthropic-messages.adapter';

describe('anthropicMessagesAdapter', () => {
  it('should speak the anthropic protocol', () => {
    expect(anthropicMessagesAdapter.protocol).toBe('anthropic');
  });

  it('should carry a Claude Code request through the IR to an upstream request', () => {
    const ir = anthropicMessagesAdapter.decodeRequest(
      readFixtureJson('claude-code.request.json'),
      {},
    );
    const encoded = anthropicMessagesAdapter.encodeRequest(ir, testContext());
    expect(encoded).toEqual({
      path: 'messages',
      body: readFixtureJson('claude-code.upstream.json'),
    });
  });

  it('should carry a non-streaming answer from upstream to client', () => {
    const context = testContext();
    const ir = anthropicMessagesAdapter.decodeRequest(
      readFixtureJson('claude-code.request.json'),
      {},
    );
    const response = anthropicMessagesAdapter.decodeResponse(
      readFixtureJson('message.upstream.json'),
      context,
    );
    expect(anthropicMessagesAdapter.encodeResponse(response, ir, context)).toEqual(
      readFixtureJson('message.client.json'),
    );
  });

  it('should decode upstream errors and encode client errors', () => {
    expect(
      anthropicMessagesAdapter.decodeError(529, {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
      }),
    ).toEqual({ status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    expect(anthropicMessagesAdapter.encodeError(429, 'rate_limit_error', 'Slow down')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Slow down' },
    });
  });

  it('should create stream codecs whose fail frame is an Anthropic error event', () => {
    const ir = anthropicMessagesAdapter.decodeRequest(readFixtureJson('sdk.request.json'), {});
    const encoder = anthropicMessagesAdapter.createStreamEncoder(ir, testContext());
    const [event] = new SseParser().push(encoder.fail(529, 'overloaded_error', 'Overloaded'));
    expect(event.event).toBe('error');
    expect(anthropicMessagesAdapter.createStreamDecoder(testContext()).end()).toEqual([]);
  });
});
