/**
 * Non-streaming answers: an upstream `chat.completion` into the IR, and an IR response into the
 * `chat.completion` a Chat client expects.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock, IrToolCallBlock } from '../ir/ir-content';
import { IrRequest } from '../ir/ir-request';
import { IrResponse } from '../ir/ir-response';
import { ConversionContext } from '../protocol-adapter';
import { parseToolArguments } from './openai-chat.content';
import { clientToolName } from './openai-chat.tool-names';
import {
  finishReasonToChat,
  stopReasonFromChat,
  usageFromChat,
  usageToChat,
} from './openai-chat.usage';
import { ChatAssistantMessage, ChatCompletion, ChatToolCall } from './openai-chat.wire';

/** Non-standard thinking text of compatible providers: `reasoning_content` or `reasoning`. */
export function reasoningText(source: Record<string, unknown>): string | null {
  const text = stringOrNull(source.reasoning_content) ?? stringOrNull(source.reasoning);
  return text === null || text === '' ? null : text;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function toolCallBlocks(value: unknown, context: ConversionContext): IrToolCallBlock[] {
  if (!Array.isArray(value)) return [];
  const blocks: IrToolCallBlock[] = [];
  for (const call of value as unknown[]) {
    if (!isRecord(call) || !isRecord(call.function)) continue;
    const name = stringOrNull(call.function.name);
    if (name === null) continue;
    const id = stringOrNull(call.id);
    blocks.push({
      type: 'tool_call',
      id: id === null || id === '' ? context.newId('call_') : id,
      name: clientToolName(context, name),
      input: parseToolArguments(call.function.arguments),
    });
  }
  return blocks;
}

/**
 * An upstream `chat.completion` (only `choices[0]` is read; the request never asks for more).
 * A `refusal` becomes text and, with no other reason given, stop reason `refusal`.
 */
export function decodeChatResponse(body: unknown, context: ConversionContext): IrResponse {
  const root = isRecord(body) ? body : {};
  const choice: unknown = Array.isArray(root.choices) ? root.choices[0] : undefined;
  const choiceRecord = isRecord(choice) ? choice : {};
  const message = isRecord(choiceRecord.message) ? choiceRecord.message : {};

  const content: IrContentBlock[] = [];
  const thinking = reasoningText(message);
  if (thinking !== null) content.push({ type: 'reasoning', text: thinking });
  const text = messageText(message.content);
  if (text !== '') content.push({ type: 'text', text });
  const refusal = stringOrNull(message.refusal);
  if (refusal !== null && refusal !== '') content.push({ type: 'text', text: refusal });
  const calls = toolCallBlocks(message.tool_calls, context);
  content.push(...calls);

  let stopReason = stopReasonFromChat(choiceRecord.finish_reason, calls.length > 0);
  if (refusal !== null && refusal !== '' && stopReason === 'end_turn') stopReason = 'refusal';
  const id = stringOrNull(root.id);
  return {
    id: id === null || id === '' ? context.newId('chatcmpl-') : id,
    model: stringOrNull(root.model) ?? '',
    content,
    stopReason,
    usage: usageFromChat(root.usage),
  };
}

/**
 * An IR response as a `chat.completion`. Texts are concatenated into `content`; reasoning text goes
 * to the non-standard `reasoning_content` (its opaque state has no Chat slot and is dropped).
 */
export function encodeChatResponse(
  response: IrResponse,
  request: IrRequest,
  context: ConversionContext,
): ChatCompletion {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const calls: ChatToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'reasoning') {
      if (block.text !== '') thoughts.push(block.text);
    } else if (block.type === 'tool_call') {
      calls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatAssistantMessage & { refusal: null } = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    refusal: null,
  };
  if (thoughts.length > 0) message.reasoning_content = thoughts.join('');
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: context.newId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(context.now() / 1000),
    model: response.model || request.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: finishReasonToChat(response.stopReason, calls.length > 0),
      },
    ],
    usage: usageToChat(response.usage),
  };
}
