/**
 * Client side: a Responses request (Codex, Droid) into the IR. See the adapter's header comment
 * for what is dropped.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock, IrTextBlock } from '../ir/ir-content';
import { IrMessage, IrReasoningConfig, IrRequest, IrRole, IrToolChoice } from '../ir/ir-request';
import { toIrState } from '../ir/reasoning-state';
import { ProtocolRequestError } from '../protocol-adapter';
import { decodeContent } from './openai-responses.content';
import { decodeTools } from './openai-responses.request-tools';
import { flatNamespacedName } from './openai-responses.tools';

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high', 'xhigh']);

export function decodeResponsesRequest(
  body: unknown,
  hints: { model?: string; stream?: boolean },
): IrRequest {
  if (!isRecord(body)) throw new ProtocolRequestError('Request body must be a JSON object');
  const model = stringOrNull(body.model) ?? hints.model ?? '';
  if (model === '') throw new ProtocolRequestError('model: must be a non-empty string');
  for (const field of ['previous_response_id', 'conversation'] as const) {
    if (body[field] !== undefined && body[field] !== null) {
      throw new ProtocolRequestError(
        `${field}: not supported by this gateway (nothing is stored); send the whole conversation in input with store:false`,
      );
    }
  }

  const conversation = new ConversationBuilder();
  const instructions = stringOrNull(body.instructions);
  if (instructions) conversation.system.push({ type: 'text', text: instructions });
  if (typeof body.input === 'string') {
    conversation.add('user', [{ type: 'text', text: body.input }]);
  } else if (Array.isArray(body.input)) {
    body.input.forEach((item, index) => conversation.item(item, index));
  } else if (body.input !== undefined && body.input !== null) {
    throw new ProtocolRequestError('input: must be a string or an array of items');
  }

  const request: IrRequest = {
    model,
    system: conversation.system,
    messages: conversation.messages,
    tools: decodeTools(body.tools),
    stream: typeof body.stream === 'boolean' ? body.stream : (hints.stream ?? false),
  };
  const toolChoice = decodeToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (toolChoice) request.toolChoice = toolChoice;
  if (typeof body.max_output_tokens === 'number' && body.max_output_tokens > 0) {
    request.maxOutputTokens = Math.floor(body.max_output_tokens);
  }
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  const reasoning = decodeReasoning(body.reasoning);
  if (reasoning) request.reasoning = reasoning;
  const text = isRecord(body.text) ? body.text : {};
  if (isRecord(text.format) && text.format.type === 'json_schema' && isRecord(text.format.schema)) {
    request.responseSchema = text.format.schema;
  }
  const user = stringOrNull(body.safety_identifier) ?? stringOrNull(body.user);
  if (user) request.user = user;
  return request;
}

/** Groups input items into IR turns (protocols.md §C.4 "Request: Responses client"). */
class ConversationBuilder {
  readonly system: IrTextBlock[] = [];
  readonly messages: IrMessage[] = [];
  /** Tool names by call id, so tool results can name their tool (Gemini needs it). */
  private readonly callNames = new Map<string, string>();

  item(item: unknown, index: number): void {
    if (!isRecord(item)) throw new ProtocolRequestError(`input[${index}]: must be an object`);
    const type = stringOrNull(item.type) ?? 'message'; // Droid omits `type` on messages
    switch (type) {
      case 'message':
        return this.message(item, index);
      case 'function_call':
      case 'custom_tool_call':
        return this.toolCall(item, index, type === 'custom_tool_call');
      case 'function_call_output':
      case 'custom_tool_call_output':
        return this.toolOutput(item, index);
      case 'reasoning':
        return this.reasoning(item);
      case 'item_reference':
        throw new ProtocolRequestError(
          `input[${index}]: item_reference is not supported (nothing is stored); send the item itself`,
        );
      default:
        // local_shell_call(_output), web_search_call, compaction, mcp_*… only mean something to
        // OpenAI itself, and unknown future items are skipped rather than fatal.
        return;
    }
  }

  add(role: IrRole, blocks: IrContentBlock[]): void {
    if (blocks.length === 0) return;
    const last = this.messages[this.messages.length - 1];
    if (last && last.role === role && role !== 'system') {
      last.content.push(...blocks);
      // Tool results lead their user turn (Anthropic requires it); the sort is stable.
      if (role === 'user') last.content.sort((a, b) => toolResultFirst(a) - toolResultFirst(b));
      return;
    }
    this.messages.push({ role, content: blocks });
  }

  private message(item: Record<string, unknown>, index: number): void {
    const role = stringOrNull(item.role);
    const blocks = decodeContent(item.content);
    if (role === 'developer' || role === 'system') {
      const texts = blocks.filter((block): block is IrTextBlock => block.type === 'text');
      // Leading instructions are the system prompt; later ones stay in place.
      if (this.messages.length === 0) this.system.push(...texts);
      else this.add('system', texts);
      return;
    }
    if (role === 'assistant') {
      this.add(
        'assistant',
        blocks.filter((block) => block.type === 'text'),
      );
      return;
    }
    if (role !== 'user') {
      throw new ProtocolRequestError(
        `input[${index}].role: must be user, assistant, system or developer`,
      );
    }
    this.add('user', blocks);
  }

  private toolCall(item: Record<string, unknown>, index: number, custom: boolean): void {
    const callId = stringOrNull(item.call_id);
    const rawName = stringOrNull(item.name);
    if (callId === null || rawName === null) {
      throw new ProtocolRequestError(
        `input[${index}]: ${String(item.type)} needs call_id and name`,
      );
    }
    const namespace = stringOrNull(item.namespace);
    const name = namespace ? flatNamespacedName(namespace, rawName) : rawName;
    this.callNames.set(callId, name);
    const input = custom
      ? { input: stringOrNull(item.input) ?? '' }
      : parseArguments(item.arguments);
    this.add('assistant', [{ type: 'tool_call', id: callId, name, input }]);
  }

  private toolOutput(item: Record<string, unknown>, index: number): void {
    const callId = stringOrNull(item.call_id);
    if (callId === null) {
      throw new ProtocolRequestError(`input[${index}]: ${String(item.type)} needs call_id`);
    }
    const name = this.callNames.get(callId);
    this.add('user', [
      {
        type: 'tool_result',
        toolCallId: callId,
        ...(name !== undefined ? { name } : {}),
        content: decodeContent(item.output),
      },
    ]);
  }

  private reasoning(item: Record<string, unknown>): void {
    const summary = decodeContent(item.summary);
    const raw = decodeContent(item.content);
    const texts = (summary.length > 0 ? summary : raw).flatMap((block) =>
      block.type === 'text' ? [block.text] : [],
    );
    const encrypted = stringOrNull(item.encrypted_content);
    const id = stringOrNull(item.id);
    if (!encrypted && texts.length === 0) return;
    this.add('assistant', [
      {
        type: 'reasoning',
        text: texts.join('\n\n'),
        ...(encrypted ? { providerState: toIrState('openai', encrypted) } : {}),
        ...(id ? { id } : {}),
      },
    ]);
  }
}

function toolResultFirst(block: IrContentBlock): number {
  return block.type === 'tool_result' ? 0 : 1;
}

/**
 * `arguments` is a JSON string. A model can produce broken JSON that the client echoes back; an
 * empty object keeps the conversation usable where a 400 would end the session.
 */
function parseArguments(value: unknown): unknown {
  if (isRecord(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function decodeToolChoice(choice: unknown, parallelCalls: unknown): IrToolChoice | undefined {
  const parallel = typeof parallelCalls === 'boolean' ? { parallel: parallelCalls } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...parallel };
  if (isRecord(choice)) {
    const name = stringOrNull(choice.name);
    if ((choice.type === 'function' || choice.type === 'custom') && name !== null) {
      const namespace = stringOrNull(choice.namespace);
      return {
        type: 'tool',
        name: namespace ? flatNamespacedName(namespace, name) : name,
        ...parallel,
      };
    }
    if (choice.type === 'allowed_tools' && choice.mode === 'required') {
      return { type: 'any', ...parallel };
    }
  }
  // "auto", hosted-tool choices and allowed_tools in auto mode: the model decides.
  if (choice === undefined && parallelCalls === undefined) return undefined;
  return { type: 'auto', ...parallel };
}

function decodeReasoning(reasoning: unknown): IrReasoningConfig | undefined {
  if (!isRecord(reasoning)) return undefined;
  const effort = stringOrNull(reasoning.effort);
  if (effort === 'none') return { mode: 'off' };
  if (effort !== null && EFFORTS.has(effort)) {
    return { mode: 'effort', effort: effort as IrReasoningConfig['effort'] };
  }
  // Codex often sends only `summary`: the model's default effort, which is medium at OpenAI.
  return { mode: 'effort', effort: 'medium' };
}
