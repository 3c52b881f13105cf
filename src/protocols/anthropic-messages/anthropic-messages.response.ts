/**
 * Non-streaming answers: an upstream Anthropic `Message` → IR, and an IR response → the `Message`
 * an Anthropic client receives. Server tool blocks (`server_tool_use`, `*_tool_result`) and
 * citations of an upstream answer have no IR form and are dropped.
 */
import { isRecord } from '../common/json-narrowing';
import { IrContentBlock } from '../ir/ir-content';
import { IrRequest } from '../ir/ir-request';
import { IrResponse } from '../ir/ir-response';
import { stateForClient } from '../ir/reasoning-state';
import { ConversionContext } from '../protocol-adapter';
import { decodeBlock } from './anthropic-messages.decode-request';
import { clientToolName } from './anthropic-messages.tool-names';
import { usageFromAnthropic } from './anthropic-messages.usage';
import {
  AnthropicMessage,
  AnthropicOutputBlock,
  stopReasonFromAnthropic,
  stopReasonToAnthropic,
  usageToAnthropic,
} from './anthropic-messages.wire';

export function decodeAnthropicResponse(body: unknown, context: ConversionContext): IrResponse {
  if (!isRecord(body)) throw new Error('Upstream answer is not an Anthropic message object');
  const content = Array.isArray(body.content) ? body.content.flatMap(outputBlock(context)) : [];
  const response: IrResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content,
    stopReason: stopReasonFromAnthropic(body.stop_reason),
    usage: usageFromAnthropic(body.usage),
  };
  if (typeof body.stop_sequence === 'string') response.stopSequence = body.stop_sequence;
  return response;
}

/** Assistant-side blocks of an answer, tool names back to the client's; malformed ones dropped. */
function outputBlock(context: ConversionContext): (raw: unknown) => IrContentBlock[] {
  return (raw) => {
    let block: IrContentBlock | null;
    try {
      block = decodeBlock(raw, 'content');
    } catch {
      return []; // untrusted upstream JSON: a broken block is skipped, not fatal
    }
    if (isRecord(raw) && raw.type === 'web_search_tool_result') return [];
    switch (block?.type) {
      case 'text':
      case 'reasoning':
        return [block];
      case 'tool_call':
        return [{ ...block, name: clientToolName(context, block.name) }];
      case 'image':
      case 'document':
      case 'tool_result':
      case undefined:
        return [];
    }
  };
}

/**
 * The client's `Message`. `model` is the model the client asked for (routing to another upstream
 * model is the gateway's business); signatures are written with `stateForClient('anthropic', …)`.
 */
export function encodeAnthropicResponse(
  response: IrResponse,
  request: IrRequest,
  context: ConversionContext,
): AnthropicMessage {
  return {
    id: context.newId('msg_'),
    type: 'message',
    role: 'assistant',
    model: request.model || response.model,
    content: response.content.flatMap(clientBlock),
    stop_reason: stopReasonToAnthropic(response.stopReason),
    stop_sequence: response.stopSequence ?? null,
    usage: usageToAnthropic(response.usage),
  };
}

function clientBlock(block: IrContentBlock): AnthropicOutputBlock[] {
  switch (block.type) {
    case 'text':
      return [{ type: 'text', text: block.text }];
    case 'reasoning': {
      const state =
        block.providerState !== undefined ? stateForClient('anthropic', block.providerState) : '';
      if (block.redacted) return state === '' ? [] : [{ type: 'redacted_thinking', data: state }];
      return [{ type: 'thinking', thinking: block.text, signature: state }];
    }
    case 'tool_call': {
      // Reasoning state on a tool call (Gemini thoughtSignature) rides in an empty thinking block
      // right before it: the only place an Anthropic client echoes state back from.
      const carrier: AnthropicOutputBlock[] =
        block.providerState !== undefined
          ? [
              {
                type: 'thinking',
                thinking: '',
                signature: stateForClient('anthropic', block.providerState),
              },
            ]
          : [];
      return [
        ...carrier,
        {
          type: 'tool_use',
          id: block.id,
          name: block.name,
          input: isRecord(block.input) ? block.input : {},
        },
      ];
    }
    case 'image':
    case 'document':
    case 'tool_result':
      return []; // user-side blocks never appear in an answer
  }
}
