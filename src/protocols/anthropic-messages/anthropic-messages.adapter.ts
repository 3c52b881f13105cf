/**
 * The Anthropic Messages protocol adapter: Claude Code, Droid (provider `anthropic`) and the
 * Anthropic SDKs as clients; the Anthropic API (and compatible providers) as an upstream.
 * Each direction lives in its own module; this file only wires them to `ProtocolAdapter`.
 */
import { ProtocolAdapter } from '../protocol-adapter';
import { decodeAnthropicRequest } from './anthropic-messages.decode-request';
import { encodeAnthropicRequest } from './anthropic-messages.encode-request';
import { decodeAnthropicError, encodeAnthropicError } from './anthropic-messages.error-codec';
import { decodeAnthropicResponse, encodeAnthropicResponse } from './anthropic-messages.response';
import { AnthropicStreamDecoder } from './anthropic-messages.stream-decoder';
import { AnthropicStreamEncoder } from './anthropic-messages.stream-encoder';

export const anthropicMessagesAdapter: ProtocolAdapter = {
  protocol: 'anthropic',
  decodeRequest: decodeAnthropicRequest,
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  createStreamDecoder: (context) => new AnthropicStreamDecoder(context),
  createStreamEncoder: (request, context) => new AnthropicStreamEncoder(request, context),
  decodeError: decodeAnthropicError,
  encodeError: encodeAnthropicError,
};
