/**
 * The OpenAI Chat Completions (`POST /v1/chat/completions`) protocol adapter: client requests and
 * answers for Chat clients (Droid's generic-chat-completion-api provider, OpenAI SDKs), and
 * upstream requests and answers for Chat-compatible providers.
 */
import { ProtocolAdapter } from '../protocol-adapter';
import { decodeChatError, encodeChatError } from './openai-chat.errors';
import { decodeChatRequest } from './openai-chat.request';
import { encodeChatRequest } from './openai-chat.request-encode';
import { decodeChatResponse, encodeChatResponse } from './openai-chat.response';
import { ChatStreamDecoder } from './openai-chat.stream-decoder';
import { ChatStreamEncoder } from './openai-chat.stream-encoder';

export const openAiChatAdapter: ProtocolAdapter = {
  protocol: 'openai-chat',
  decodeRequest: decodeChatRequest,
  encodeRequest: encodeChatRequest,
  decodeResponse: decodeChatResponse,
  encodeResponse: encodeChatResponse,
  createStreamDecoder: (context) => new ChatStreamDecoder(context),
  createStreamEncoder: (request, context) => new ChatStreamEncoder(request, context),
  decodeError: decodeChatError,
  encodeError: encodeChatError,
};
