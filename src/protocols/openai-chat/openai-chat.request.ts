/**
 * Chat Completions client requests into the IR (`decodeChatRequest`). The opposite direction,
 * IR → upstream Chat request, is in `openai-chat.request-encode.ts`.
 */
import { isRecord } from '../common/json-narrowing';
import { IrContentBlock, IrToolCallBlock } from '../ir/ir-content';
import {
  IrMessage,
  IrReasoningConfig,
  IrRequest,
  IrToolChoice,
  IrToolDefinition,
} from '../ir/ir-request';
import { ProtocolRequestError } from '../protocol-adapter';
import {
  parseToolArguments,
  textBlocksFromContent,
  userBlocksFromContent,
} from './openai-chat.content';
import { ChatRequestHints, setChatRequestHints } from './openai-chat.hints';

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high', 'xhigh']);

function fail(message: string): never {
  throw new ProtocolRequestError(message);
}

/** A request field that is absent or null. */
function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (absent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${key}: must be a number`);
  return value;
}

function maxOutputTokens(body: Record<string, unknown>): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens']) {
    const value = body[key];
    if (absent(value)) continue;
    if (!Number.isSafeInteger(value) || Number(value) <= 0) {
      fail(`${key}: must be a positive integer`);
    }
    return Number(value);
  }
  return undefined;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (absent(stop)) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s): s is string => typeof s === 'string')) return stop;
  return fail('stop: must be a string or an array of strings');
}

function reasoning(effort: unknown): IrReasoningConfig | undefined {
  if (absent(effort)) return undefined;
  if (effort === 'none') return { mode: 'off' };
  if (typeof effort === 'string' && EFFORTS.has(effort)) {
    return { mode: 'effort', effort: effort as NonNullable<IrReasoningConfig['effort']> };
  }
  return fail(`reasoning_effort: unsupported value ${JSON.stringify(effort)}`);
}

function tools(value: unknown): IrToolDefinition[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) fail('tools: must be an array');
  return value.map((tool: unknown, i): IrToolDefinition => {
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
      fail(`tools[${i}]: only {type:"function", function:{…}} tools are supported`);
    }
    const { name, description, parameters } = tool.function;
    if (typeof name !== 'string' || name === '') fail(`tools[${i}].function.name: required`);
    const definition: IrToolDefinition = {
      name,
      inputSchema: isRecord(parameters) ? parameters : { type: 'object', properties: {} },
    };
    if (typeof description === 'string') definition.description = description;
    return definition;
  });
}

function toolChoice(choice: unknown, parallel: unknown): IrToolChoice | undefined {
  const parallelFlag = typeof parallel === 'boolean' ? { parallel } : {};
  if (absent(choice)) return typeof parallel === 'boolean' ? { type: 'auto', parallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...parallelFlag };
  if (choice === 'required') return { type: 'any', ...parallelFlag };
  if (
    isRecord(choice) &&
    choice.type === 'function' &&
    isRecord(choice.function) &&
    typeof choice.function.name === 'string'
  ) {
    return { type: 'tool', name: choice.function.name, ...parallelFlag };
  }
  return fail(
    'tool_choice: must be "auto", "none", "required" or {type:"function",function:{name}}',
  );
}

function toolCalls(value: unknown, where: string, names: Map<string, string>): IrToolCallBlock[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) fail(`${where}.tool_calls: must be an array`);
  return value.map((call: unknown, i): IrToolCallBlock => {
    const at = `${where}.tool_calls[${i}]`;
    if (!isRecord(call) || !isRecord(call.function)) fail(`${at}: must have a function`);
    const { id } = call;
    const { name } = call.function;
    if (typeof id !== 'string' || id === '') fail(`${at}.id: required`);
    if (typeof name !== 'string' || name === '') fail(`${at}.function.name: required`);
    names.set(id, name);
    return { type: 'tool_call', id, name, input: parseToolArguments(call.function.arguments) };
  });
}

/**
 * The conversation. Leading system/developer messages become `system` (one text block per text);
 * later ones stay in place as `system` messages. Consecutive `tool` messages become ONE user
 * message of tool_result blocks, in order, and a user message right after them joins it.
 */
function conversation(raw: unknown[]): { system: IrRequest['system']; messages: IrMessage[] } {
  const system: IrRequest['system'] = [];
  const messages: IrMessage[] = [];
  const toolNamesById = new Map<string, string>();
  let leading = true;
  /** The last IR message holds tool results, so a following tool/user message joins it. */
  let openToolTurn: IrMessage | null = null;

  raw.forEach((message: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isRecord(message)) fail(`${at}: must be an object`);
    const { role, content } = message;
    if (role === 'system' || role === 'developer') {
      const blocks = textBlocksFromContent(content, `${at}.content`);
      if (leading) system.push(...blocks);
      else messages.push({ role: 'system', content: blocks });
      openToolTurn = null;
      return;
    }
    leading = false;
    switch (role) {
      case 'user': {
        const blocks = userBlocksFromContent(content, `${at}.content`);
        if (openToolTurn) openToolTurn.content.push(...blocks);
        else messages.push({ role: 'user', content: blocks });
        openToolTurn = null;
        return;
      }
      case 'assistant': {
        const blocks: IrContentBlock[] = [];
        const thinking = message.reasoning_content;
        if (typeof thinking === 'string' && thinking !== '') {
          blocks.push({ type: 'reasoning', text: thinking });
        }
        blocks.push(...textBlocksFromContent(content, `${at}.content`));
        if (typeof message.refusal === 'string' && message.refusal !== '') {
          blocks.push({ type: 'text', text: message.refusal });
        }
        blocks.push(...toolCalls(message.tool_calls, at, toolNamesById));
        messages.push({ role: 'assistant', content: blocks });
        openToolTurn = null;
        return;
      }
      case 'tool': {
        const id = message.tool_call_id;
        if (typeof id !== 'string' || id === '') fail(`${at}.tool_call_id: required`);
        const result: IrContentBlock = {
          type: 'tool_result',
          toolCallId: id,
          content: textBlocksFromContent(content, `${at}.content`),
        };
        const name = toolNamesById.get(id);
        if (name !== undefined) result.name = name;
        if (openToolTurn) openToolTurn.content.push(result);
        else {
          openToolTurn = { role: 'user', content: [result] };
          messages.push(openToolTurn);
        }
        return;
      }
      default:
        fail(`${at}.role: unsupported role ${JSON.stringify(role)}`);
    }
  });
  return { system, messages };
}

/** A Chat Completions request body into the IR; unknown fields are ignored. */
export function decodeChatRequest(
  body: unknown,
  hints: { model?: string; stream?: boolean },
): IrRequest {
  if (!isRecord(body)) fail('Request body must be a JSON object');
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : hints.model;
  if (model === undefined || model === '') fail('model: must be a non-empty string');
  if (!Array.isArray(body.messages)) fail('messages: must be an array');
  if (!absent(body.stream) && typeof body.stream !== 'boolean') fail('stream: must be a boolean');
  if (!absent(body.n) && body.n !== 1) fail('n: only 1 choice is supported');

  const request: IrRequest = {
    model,
    ...conversation(body.messages),
    tools: tools(body.tools),
    stream: typeof body.stream === 'boolean' ? body.stream : hints.stream === true,
  };
  const choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
  if (choice) request.toolChoice = choice;
  const maxTokens = maxOutputTokens(body);
  if (maxTokens !== undefined) request.maxOutputTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) request.stopSequences = stop;
  const reasoningConfig = reasoning(body.reasoning_effort);
  if (reasoningConfig) request.reasoning = reasoningConfig;
  const user = typeof body.user === 'string' ? body.user : body.safety_identifier;
  if (typeof user === 'string' && user !== '') request.user = user;

  const chatHints: ChatRequestHints = {
    includeUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
  };
  const format = body.response_format;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema)) {
    const { name, schema, strict } = format.json_schema;
    if (isRecord(schema)) request.responseSchema = schema;
    if (typeof name === 'string') chatHints.schemaName = name;
    if (typeof strict === 'boolean') chatHints.schemaStrict = strict;
  }
  setChatRequestHints(request, chatHints);
  return request;
}
