import { anthropicMessagesAdapter } from '../../protocols/anthropic-messages/anthropic-messages.adapter';
import { geminiAdapter } from '../../protocols/gemini/gemini.adapter';
import { openAiChatAdapter } from '../../protocols/openai-chat/openai-chat.adapter';
import { openAiResponsesAdapter } from '../../protocols/openai-responses/openai-responses.adapter';
import { ProtocolAdapter, WireProtocol } from '../../protocols/protocol-adapter';

/** One adapter per wire protocol; provider types use the same names as wire protocols. */
const ADAPTERS: Record<WireProtocol, ProtocolAdapter> = {
  anthropic: anthropicMessagesAdapter,
  'openai-chat': openAiChatAdapter,
  'openai-responses': openAiResponsesAdapter,
  gemini: geminiAdapter,
};

export function adapterFor(protocol: WireProtocol): ProtocolAdapter {
  return ADAPTERS[protocol];
}
