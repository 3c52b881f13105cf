/** Upstream side: an IR request as a Responses request (protocols.md §C.4, §C.6). */
import { IrContentBlock } from '../ir/ir-content';
import { IrMessage, IrReasoningConfig, IrRequest, IrToolChoice } from '../ir/ir-request';
import { stateForUpstream } from '../ir/reasoning-state';
import { ConversionContext, EncodedRequest } from '../protocol-adapter';
import { encodeContent, IrUserContentBlock } from './openai-responses.content';
import { UpstreamToolNames } from './openai-responses.tools';
import {
  ResponsesInputItem,
  ResponsesOutputText,
  ResponsesRequestBody,
  ResponsesToolChoice,
} from './openai-responses.wire';

/** OpenAI rejects longer `user` / `safety_identifier` values. */
const MAX_USER_LENGTH = 64;

export function encodeResponsesRequest(
  request: IrRequest,
  context: ConversionContext,
): EncodedRequest {
  const names = new UpstreamToolNames(toolNamesOf(request), context);
  const body: ResponsesRequestBody = {
    model: request.model,
    input: encodeMessages(request.messages, names, context),
    store: false,
    stream: request.stream,
  };
  const instructions = request.system.map((block) => block.text).join('\n\n');
  if (instructions !== '') body.instructions = instructions;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      name: names.upstream(tool.name),
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      parameters: tool.inputSchema,
      strict: false,
    }));
  }
  if (request.toolChoice) {
    body.tool_choice = encodeToolChoice(request.toolChoice, names);
    if ('parallel' in request.toolChoice && request.toolChoice.parallel !== undefined) {
      body.parallel_tool_calls = request.toolChoice.parallel;
    }
  }
  if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) context.dropped('top_k');
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) {
    context.dropped('stop_sequences');
  }
  const effort = reasoningEffort(request.reasoning);
  if (effort !== undefined) {
    body.reasoning = { effort, summary: 'auto' };
    // Nothing is stored upstream: the reasoning comes back encrypted and is replayed next turn.
    body.include = ['reasoning.encrypted_content'];
  }
  if (request.responseSchema) {
    body.text = {
      format: {
        type: 'json_schema',
        name: 'output',
        schema: request.responseSchema,
        strict: false,
      },
    };
  }
  if (request.user !== undefined) {
    if (request.user.length <= MAX_USER_LENGTH) body.user = request.user;
    else context.dropped('user (longer than 64 characters)');
  }
  return { path: 'responses', body };
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
  messages: readonly IrMessage[],
  names: UpstreamToolNames,
  context: ConversionContext,
): ResponsesInputItem[] {
  const items: ResponsesInputItem[] = [];
  for (const message of messages) {
    // Consecutive content parts form one message item; calls and results are items of their own.
    let parts: IrUserContentBlock[] = [];
    const flush = (): void => {
      if (parts.length > 0) items.push(messageItem(message.role, parts));
      parts = [];
    };
    for (const block of message.content) {
      const item = blockItem(block, message.role, names, context);
      if (item === 'part') {
        parts.push(block as IrUserContentBlock);
      } else if (item !== null) {
        flush();
        items.push(item);
      }
    }
    flush();
  }
  return items;
}

/** An input item for a block, `'part'` when it belongs in a message's content, null if dropped. */
function blockItem(
  block: IrContentBlock,
  role: IrMessage['role'],
  names: UpstreamToolNames,
  context: ConversionContext,
): ResponsesInputItem | 'part' | null {
  switch (block.type) {
    case 'text':
      return 'part';
    case 'image':
    case 'document':
      if (role === 'user') return 'part';
      context.dropped(`${block.type} in a ${role} message`);
      return null;
    case 'tool_call':
      return {
        type: 'function_call',
        call_id: block.id,
        name: names.upstream(block.name),
        arguments: JSON.stringify(block.input ?? {}),
      };
    case 'tool_result': {
      if (block.isError === true) context.dropped('tool_result.is_error');
      const content = encodeContent(block.content);
      const textOnly = content.every((part) => part.type === 'input_text');
      return {
        type: 'function_call_output',
        call_id: block.toolCallId,
        output: textOnly
          ? content.map((part) => (part.type === 'input_text' ? part.text : '')).join('\n')
          : content,
      };
    }
    case 'reasoning': {
      const encrypted = stateForUpstream('openai', block.providerState);
      if (encrypted === undefined) {
        // Another family's state (or none): OpenAI cannot use it, and bare text is not replayable.
        context.dropped('reasoning block without OpenAI encrypted_content');
        return null;
      }
      return {
        type: 'reasoning',
        ...(block.id !== undefined && block.id.startsWith('rs_') ? { id: block.id } : {}),
        summary: block.text !== '' ? [{ type: 'summary_text', text: block.text }] : [],
        encrypted_content: encrypted,
      };
    }
  }
}

function messageItem(role: IrMessage['role'], parts: IrUserContentBlock[]): ResponsesInputItem {
  if (role === 'assistant') {
    const content: ResponsesOutputText[] = parts.flatMap((part) =>
      part.type === 'text' ? [{ type: 'output_text', text: part.text, annotations: [] }] : [],
    );
    return { type: 'message', role: 'assistant', content };
  }
  return {
    type: 'message',
    role: role === 'system' ? 'developer' : 'user',
    content: encodeContent(parts),
  };
}

function encodeToolChoice(choice: IrToolChoice, names: UpstreamToolNames): ResponsesToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', name: names.upstream(choice.name) };
  }
}

/** The OpenAI effort for an IR reasoning config; undefined leaves reasoning unset (off). */
function reasoningEffort(config: IrReasoningConfig | undefined): string | undefined {
  if (config === undefined || config.mode === 'off') return undefined;
  if (config.mode === 'effort') {
    if (config.effort === 'max') return 'xhigh';
    return config.effort ?? 'medium';
  }
  const budget = config.budgetTokens ?? 0;
  if (budget <= 2048) return 'low';
  if (budget <= 16384) return 'medium';
  return 'high';
}
