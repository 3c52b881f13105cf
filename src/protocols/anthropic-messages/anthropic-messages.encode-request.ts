/**
 * Upstream side: IR request → Anthropic Messages request, used when the client speaks another
 * protocol (or when a native request has to be rebuilt). Decisions (protocols.md §B.1, §C.3–C.5):
 *
 * - Mid-conversation IR `system` messages become a user text block
 *   `<system-reminder>\n…\n</system-reminder>` at the same place. Anthropic's own `role:"system"`
 *   messages need a beta header this body cannot set, and appending them to `system` would move
 *   them and change the cached prefix on every turn. Reported via `context.dropped`.
 * - Blocks go to the role Anthropic requires (tool_use/thinking → assistant, tool_result → user),
 *   consecutive same-role messages are merged, tool_result blocks lead their user message, empty
 *   text blocks and empty messages are removed, and a conversation that starts with the assistant
 *   gets a leading `(continue)` user turn (the API requires user first).
 * - Reasoning becomes `thinking`/`redacted_thinking` only with an Anthropic-family state; other
 *   reasoning is dropped (an upstream rejects another family's signature).
 * - Thinking config, `max_tokens` and sampling: see `anthropic-messages.request-policy.ts`.
 * - Tool names/ids to Anthropic's rules: see `anthropic-messages.tool-names.ts`.
 */
import { isRecord } from '../common/json-narrowing';
import {
  IrContentBlock,
  IrDocumentBlock,
  IrMediaSource,
  IrToolResultBlock,
} from '../ir/ir-content';
import { IrMessage, IrRequest, IrToolChoice } from '../ir/ir-request';
import { stateForUpstream } from '../ir/reasoning-state';
import { ConversionContext, EncodedRequest } from '../protocol-adapter';
import {
  addCacheBreakpoints,
  applyThinkingPolicy,
  DEFAULT_MAX_TOKENS,
  hasCacheHints,
} from './anthropic-messages.request-policy';
import { AnthropicToolNames, anthropicToolUseId } from './anthropic-messages.tool-names';
import {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicMediaSource,
  AnthropicMessageParam,
  AnthropicRequestBody,
  AnthropicToolChoice,
  AnthropicToolParam,
  AnthropicToolResultContent,
  withCache,
} from './anthropic-messages.wire';

/** The user turn put first when a conversation starts with the assistant. */
export const LEADING_USER_TEXT = '(continue)';

export function encodeAnthropicRequest(
  request: IrRequest,
  context: ConversionContext,
): EncodedRequest {
  const names = new AnthropicToolNames(toolNamesOf(request), context);
  const body: AnthropicRequestBody = {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
    messages: encodeMessages(request.messages, names, context),
  };
  const system = request.system.flatMap((block) =>
    block.text === '' ? [] : [withCache({ type: 'text' as const, text: block.text }, block.cache)],
  );
  if (system.length > 0) body.system = system;
  const tools = request.tools.map((tool): AnthropicToolParam =>
    withCache(
      {
        name: names.upstream(tool.name),
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        input_schema: objectSchema(tool.inputSchema, tool.name, context),
      },
      tool.cache,
    ),
  );
  if (tools.length > 0) {
    body.tools = tools;
    if (request.toolChoice) body.tool_choice = encodeToolChoice(request.toolChoice, names);
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stopSequences && request.stopSequences.length > 0) {
    body.stop_sequences = request.stopSequences;
  }
  applyThinkingPolicy(body, request.reasoning, context);
  if (request.responseSchema) {
    body.output_config = { format: { type: 'json_schema', schema: request.responseSchema } };
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  body.stream = request.stream;
  if (!hasCacheHints(request)) addCacheBreakpoints(body);
  return { path: 'messages', body };
}

function toolNamesOf(request: IrRequest): string[] {
  const names = request.tools.map((tool) => tool.name);
  for (const message of request.messages) {
    for (const block of message.content) if (block.type === 'tool_call') names.push(block.name);
  }
  if (request.toolChoice?.type === 'tool') names.push(request.toolChoice.name);
  return names;
}

function encodeMessages(
  messages: IrMessage[],
  names: AnthropicToolNames,
  context: ConversionContext,
): AnthropicMessageParam[] {
  const turns: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', block: AnthropicContentBlock): void => {
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content.push(block);
    else turns.push({ role, content: [block] });
  };
  for (const message of messages) {
    if (message.role === 'system') {
      const reminder = systemReminder(message, context);
      if (reminder) push('user', reminder);
      continue;
    }
    for (const block of message.content) {
      const wire = encodeBlock(block, names, context);
      if (wire) push(roleOf(block, message.role), wire);
    }
  }
  for (const turn of turns) {
    if (turn.role !== 'user') continue;
    // Stable partition: the API wants the tool results first in their user message.
    const results = turn.content.filter((block) => block.type === 'tool_result');
    if (results.length > 0) {
      turn.content = [...results, ...turn.content.filter((block) => block.type !== 'tool_result')];
    }
  }
  if (turns[0]?.role === 'assistant') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_TEXT }] });
  }
  return turns;
}

function roleOf(block: IrContentBlock, messageRole: 'user' | 'assistant'): 'user' | 'assistant' {
  if (block.type === 'tool_call' || block.type === 'reasoning') return 'assistant';
  if (block.type === 'tool_result') return 'user';
  return messageRole;
}

function systemReminder(
  message: IrMessage,
  context: ConversionContext,
): AnthropicContentBlock | null {
  const texts = message.content.flatMap((block) => (block.type === 'text' ? [block] : []));
  const text = texts.map((block) => block.text).join('\n');
  if (texts.length !== message.content.length) {
    context.dropped('non-text content of a mid-conversation system message');
  }
  if (text === '') return null;
  context.dropped('mid-conversation system message: sent as a user <system-reminder> text');
  return withCache(
    { type: 'text', text: `<system-reminder>\n${text}\n</system-reminder>` },
    texts[texts.length - 1]?.cache,
  );
}

function encodeBlock(
  block: IrContentBlock,
  names: AnthropicToolNames,
  context: ConversionContext,
): AnthropicContentBlock | null {
  switch (block.type) {
    case 'text':
    case 'image':
    case 'document':
      return encodeMedia(block);
    case 'tool_call': {
      if (!isRecord(block.input)) context.dropped('tool_use input that is not a JSON object');
      return withCache(
        {
          type: 'tool_use',
          id: anthropicToolUseId(block.id),
          name: names.upstream(block.name),
          input: isRecord(block.input) ? block.input : {},
        },
        block.cache,
      );
    }
    case 'tool_result':
      return encodeToolResult(block);
    case 'reasoning': {
      const state = stateForUpstream('anthropic', block.providerState);
      if (state === undefined) {
        if (block.text !== '' || block.providerState !== undefined) {
          context.dropped('reasoning without an Anthropic signature');
        }
        return null;
      }
      return block.redacted
        ? { type: 'redacted_thinking', data: state }
        : { type: 'thinking', thinking: block.text, signature: state };
    }
  }
}

function encodeMedia(
  block: Extract<IrContentBlock, { type: 'text' | 'image' | 'document' }>,
): AnthropicToolResultContent | null {
  switch (block.type) {
    case 'text':
      return block.text === '' ? null : withCache({ type: 'text', text: block.text }, block.cache);
    case 'image':
      return withCache({ type: 'image', source: mediaSource(block.source) }, block.cache);
    case 'document':
      return withCache(
        {
          type: 'document',
          source: documentSource(block.source),
          ...(block.title !== undefined ? { title: block.title } : {}),
        },
        block.cache,
      );
  }
}

function encodeToolResult(block: IrToolResultBlock): AnthropicContentBlock {
  const content = block.content.flatMap((inner) => {
    const wire = encodeMedia(inner);
    return wire ? [wire] : [];
  });
  const only = content[0];
  const result = {
    type: 'tool_result' as const,
    tool_use_id: anthropicToolUseId(block.toolCallId),
    ...(content.length === 1 && only?.type === 'text' && !only.cache_control
      ? { content: only.text }
      : content.length > 0
        ? { content }
        : {}),
    ...(block.isError !== undefined ? { is_error: block.isError } : {}),
  };
  return withCache(result, block.cache);
}

function mediaSource(source: IrMediaSource): AnthropicMediaSource {
  return source.kind === 'base64'
    ? { type: 'base64', media_type: source.mediaType, data: source.data }
    : { type: 'url', url: source.url };
}

function documentSource(source: IrDocumentBlock['source']): AnthropicDocumentBlock['source'] {
  return source.kind === 'text'
    ? { type: 'text', media_type: source.mediaType, data: source.data }
    : mediaSource(source);
}

function encodeToolChoice(choice: IrToolChoice, names: AnthropicToolNames): AnthropicToolChoice {
  if (choice.type === 'none') return { type: 'none' };
  const parallel =
    choice.parallel !== undefined ? { disable_parallel_tool_use: !choice.parallel } : {};
  return choice.type === 'tool'
    ? { type: 'tool', name: names.upstream(choice.name), ...parallel }
    : { type: choice.type, ...parallel };
}

/** Anthropic requires an object schema at the root of `input_schema`. */
function objectSchema(
  schema: Record<string, unknown>,
  toolName: string,
  context: ConversionContext,
): Record<string, unknown> {
  if (schema.type === 'object') return schema;
  if (schema.type === undefined) return { type: 'object', ...schema };
  context.dropped(`tool ${toolName}: non-object input schema replaced by an empty object schema`);
  return { type: 'object', properties: {} };
}
