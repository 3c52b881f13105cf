/**
 * IR requests into upstream Chat Completions requests (`encodeChatRequest`). Things Chat cannot
 * express are reported through `context.dropped`; cache hints are dropped silently because Chat
 * upstreams cache prefixes automatically.
 */
import { IrContentBlock, IrToolCallBlock } from '../ir/ir-content';
import { IrMessage, IrReasoningConfig, IrRequest, IrToolChoice } from '../ir/ir-request';
import { ConversionContext, EncodedRequest } from '../protocol-adapter';
import { dataUrl } from './openai-chat.content';
import { chatRequestHints } from './openai-chat.hints';
import { ToolNameMapper } from './openai-chat.tool-names';
import {
  ChatAssistantMessage,
  ChatMessage,
  ChatReasoningEffort,
  ChatRequestBody,
  ChatTextPart,
  ChatToolChoice,
  ChatUserPart,
} from './openai-chat.wire';

/** OpenAI accepts at most four stop sequences. */
const MAX_STOP_SEQUENCES = 4;

/** One text block as a plain string (what clients send), several as text parts. */
function textContent(texts: string[]): string | ChatTextPart[] {
  if (texts.length === 1) return texts[0];
  return texts.map((text) => ({ type: 'text', text }));
}

/** Text a block can be reduced to in a text-only place, or null. */
function plainText(block: IrContentBlock): string | null {
  if (block.type === 'text') return block.text;
  if (block.type === 'document' && block.source.kind === 'text') return block.source.data;
  return null;
}

function systemMessage(blocks: IrContentBlock[], context: ConversionContext): ChatMessage | null {
  const texts: string[] = [];
  for (const block of blocks) {
    const text = plainText(block);
    if (text === null) context.dropped(`${block.type} block in a system message`);
    else texts.push(text);
  }
  return texts.length === 0 ? null : { role: 'system', content: textContent(texts) };
}

function userPart(block: IrContentBlock, context: ConversionContext): ChatUserPart | null {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return {
        type: 'image_url',
        image_url: {
          url:
            block.source.kind === 'url'
              ? block.source.url
              : dataUrl(block.source.mediaType, block.source.data),
        },
      };
    case 'document':
      if (block.source.kind === 'text') return { type: 'text', text: block.source.data };
      if (block.source.kind === 'base64') {
        return {
          type: 'file',
          file: {
            filename: block.title ?? 'document.pdf',
            file_data: dataUrl(block.source.mediaType, block.source.data),
          },
        };
      }
      context.dropped('document given by URL (Chat files must be inline)');
      return null;
    case 'tool_call':
    case 'tool_result':
    case 'reasoning':
      context.dropped(`${block.type} block in a user message`);
      return null;
  }
}

/**
 * A user turn: its tool results become `tool` messages first (Chat tool messages are text only),
 * then the remaining blocks one user message.
 */
function userMessages(blocks: IrContentBlock[], context: ConversionContext): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: ChatUserPart[] = [];
  for (const block of blocks) {
    if (block.type !== 'tool_result') {
      const part = userPart(block, context);
      if (part) parts.push(part);
      continue;
    }
    const texts: string[] = [];
    for (const item of block.content) {
      const text = plainText(item);
      if (text === null) context.dropped(`${item.type} inside a tool result`);
      else texts.push(text);
    }
    if (block.isError === true) context.dropped('tool_result is_error flag');
    out.push({
      role: 'tool',
      tool_call_id: block.toolCallId,
      content: texts.length === 0 ? '' : textContent(texts),
    });
  }
  if (parts.length > 0) {
    const first = parts[0];
    const single = parts.length === 1 && first.type === 'text';
    out.push({ role: 'user', content: single ? first.text : parts });
  }
  return out;
}

function assistantMessage(
  blocks: IrContentBlock[],
  names: ToolNameMapper,
  context: ConversionContext,
): ChatMessage | null {
  const texts: string[] = [];
  const calls: IrToolCallBlock[] = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_call') calls.push(block);
    else if (block.type === 'reasoning')
      context.dropped('reasoning block (Chat cannot send it back)');
    else context.dropped(`${block.type} block in an assistant message`);
  }
  if (texts.length === 0 && calls.length === 0) return null;
  const message: ChatAssistantMessage = {
    role: 'assistant',
    content: texts.length === 0 ? null : textContent(texts),
  };
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: names.upstream(call.name), arguments: JSON.stringify(call.input ?? {}) },
    }));
  }
  return message;
}

function messages(
  request: IrRequest,
  names: ToolNameMapper,
  context: ConversionContext,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  const system = systemMessage(request.system, context);
  if (system) out.push(system);
  for (const message of request.messages) {
    if (message.role === 'user') out.push(...userMessages(message.content, context));
    else {
      const encoded =
        message.role === 'system'
          ? systemMessage(message.content, context)
          : assistantMessage(message.content, names, context);
      if (encoded) out.push(encoded);
    }
  }
  return out;
}

function toolChoice(choice: IrToolChoice, names: ToolNameMapper): ChatToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'none':
      return 'none';
    case 'any':
      return 'required';
    case 'tool':
      return { type: 'function', function: { name: names.upstream(choice.name) } };
  }
}

/** Effort for a thinking budget (protocols.md §C.3): ≤2k low, ≤16k medium, else high. */
function reasoningEffort(config: IrReasoningConfig): ChatReasoningEffort | undefined {
  switch (config.mode) {
    case 'off':
      return undefined; // omitted rather than "none", which most models reject
    case 'effort':
      if (config.effort === undefined) return undefined;
      return config.effort === 'max' ? 'xhigh' : config.effort;
    case 'budget': {
      const budget = config.budgetTokens ?? 8192;
      if (budget <= 2048) return 'low';
      return budget <= 16384 ? 'medium' : 'high';
    }
  }
}

function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...schema };
  delete copy.$schema;
  return copy;
}

function allToolNames(request: IrRequest): string[] {
  const names = request.tools.map((tool) => tool.name);
  if (request.toolChoice?.type === 'tool') names.push(request.toolChoice.name);
  const blocks = request.messages.flatMap((message: IrMessage) => message.content);
  for (const block of blocks) if (block.type === 'tool_call') names.push(block.name);
  return names;
}

/** An IR request as an upstream `chat/completions` request. */
export function encodeChatRequest(request: IrRequest, context: ConversionContext): EncodedRequest {
  const names = new ToolNameMapper(allToolNames(request), context);
  const body: ChatRequestBody = {
    model: request.model,
    messages: messages(request, names, context),
  };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: names.upstream(tool.name),
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: withoutSchemaKeyword(tool.inputSchema),
      },
    }));
    // tool_choice and parallel_tool_calls are rejected by OpenAI when no tools are sent.
    if (request.toolChoice) {
      body.tool_choice = toolChoice(request.toolChoice, names);
      const parallel = request.toolChoice.type === 'none' ? undefined : request.toolChoice.parallel;
      if (parallel !== undefined) body.parallel_tool_calls = parallel;
    }
  }
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) context.dropped('top_k');
  if (request.stopSequences && request.stopSequences.length > 0) {
    if (request.stopSequences.length > MAX_STOP_SEQUENCES)
      context.dropped('stop sequences beyond 4');
    body.stop = request.stopSequences.slice(0, MAX_STOP_SEQUENCES);
  }
  const effort = request.reasoning ? reasoningEffort(request.reasoning) : undefined;
  if (effort !== undefined) body.reasoning_effort = effort;
  if (request.responseSchema) {
    const hints = chatRequestHints(request);
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: hints.schemaName ?? 'output',
        schema: request.responseSchema,
        ...(hints.schemaStrict !== undefined ? { strict: hints.schemaStrict } : {}),
      },
    };
  }
  if (request.user !== undefined) body.user = request.user;
  if (request.stream) {
    body.stream = true;
    // Chat upstreams report usage in a stream only when asked to.
    body.stream_options = { include_usage: true };
  }
  return { path: 'chat/completions', body };
}
