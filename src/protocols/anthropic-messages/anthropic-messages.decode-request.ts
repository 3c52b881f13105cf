/**
 * Client side: an Anthropic Messages request body (Claude Code, Droid, the SDKs) → IR request.
 *
 * The IR keeps everything native traffic relies on: thinking text + signature (tagged), redacted
 * thinking, cache breakpoints with their TTL, mid-conversation `system` messages in place, and
 * tool_use / tool_result ids. Left out on purpose (no other protocol can use them):
 * server tools and their blocks (`server_tool_use`, `*_tool_result`; web search results are
 * flattened to text), `file` sources, `search_result`/`container_upload` blocks, citations,
 * `context_management`, `service_tier`, `container`, `mcp_servers`, top-level `cache_control`.
 */
import { isRecord } from '../common/json-narrowing';
import {
  IrContentBlock,
  IrDocumentBlock,
  IrImageBlock,
  IrMediaSource,
  IrReasoningBlock,
  IrTextBlock,
  IrToolResultBlock,
} from '../ir/ir-content';
import {
  IrMessage,
  IrReasoningConfig,
  IrRequest,
  IrToolChoice,
  IrToolDefinition,
} from '../ir/ir-request';
import { toIrState } from '../ir/reasoning-state';
import { ProtocolRequestError } from '../protocol-adapter';
import { cacheHintFromWire } from './anthropic-messages.wire';

type Effort = NonNullable<IrReasoningConfig['effort']>;
const EFFORTS: readonly string[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

export function decodeAnthropicRequest(
  body: unknown,
  hints: { model?: string; stream?: boolean },
): IrRequest {
  if (!isRecord(body)) throw new ProtocolRequestError('Request body must be a JSON object');
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : hints.model;
  if (model === undefined || model === '') {
    throw new ProtocolRequestError('model: must be a non-empty string');
  }
  if (!Array.isArray(body.messages)) throw new ProtocolRequestError('messages: must be an array');
  // Required by the Messages API; rejecting here gives the client the answer Anthropic would.
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new ProtocolRequestError('max_tokens: must be a positive integer');
  }

  const request: IrRequest = {
    model,
    system: decodeSystem(body.system),
    messages: body.messages.map((message, i) => decodeMessage(message, `messages.${i}`)),
    tools: decodeTools(body.tools),
    maxOutputTokens: maxTokens,
    stream: typeof body.stream === 'boolean' ? body.stream : hints.stream === true,
  };
  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice) request.toolChoice = toolChoice;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  if (typeof body.top_k === 'number') request.topK = body.top_k;
  if (Array.isArray(body.stop_sequences)) {
    const stops = body.stop_sequences.filter((s): s is string => typeof s === 'string');
    if (stops.length > 0) request.stopSequences = stops;
  }
  const outputConfig = isRecord(body.output_config) ? body.output_config : {};
  const reasoning = decodeThinking(body.thinking, outputConfig.effort);
  if (reasoning) request.reasoning = reasoning;
  const format = outputConfig.format;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
    request.responseSchema = format.schema;
  }
  if (isRecord(body.metadata) && typeof body.metadata.user_id === 'string') {
    request.user = body.metadata.user_id;
  }
  return request;
}

function decodeSystem(system: unknown): IrTextBlock[] {
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', text: system }];
  if (system === undefined || system === null) return [];
  if (!Array.isArray(system)) throw new ProtocolRequestError('system: must be a string or array');
  return system.flatMap((block, i) => {
    const decoded = decodeBlock(block, `system.${i}`);
    return decoded?.type === 'text' ? [decoded] : [];
  });
}

function decodeMessage(raw: unknown, path: string): IrMessage {
  if (!isRecord(raw)) throw new ProtocolRequestError(`${path}: must be an object`);
  const role = raw.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    throw new ProtocolRequestError(`${path}.role: must be "user", "assistant" or "system"`);
  }
  return { role, content: decodeContent(raw.content, `${path}.content`) };
}

function decodeContent(content: unknown, path: string): IrContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new ProtocolRequestError(`${path}: must be a string or array`);
  return content.flatMap((block, i) => {
    const decoded = decodeBlock(block, `${path}.${i}`);
    return decoded ? [decoded] : [];
  });
}

/**
 * One content block → IR, or null when the block has no IR form (server tool blocks, file
 * sources, unknown types). Known block types with a broken shape are rejected, as Anthropic would.
 * Used for answers too (`decodeResponse`), where the shapes are the same.
 */
export function decodeBlock(raw: unknown, path: string): IrContentBlock | null {
  if (!isRecord(raw)) throw new ProtocolRequestError(`${path}: must be an object`);
  const cache = cacheHintFromWire(raw.cache_control);
  const withHint = <T extends IrContentBlock>(block: T): T => (cache ? { ...block, cache } : block);
  switch (raw.type) {
    case 'text':
      if (typeof raw.text !== 'string') throw invalid(path, 'text must be a string');
      return withHint<IrTextBlock>({ type: 'text', text: raw.text });
    case 'image': {
      const source = decodeMediaSource(raw.source);
      return source ? withHint<IrImageBlock>({ type: 'image', source }) : null;
    }
    case 'document':
      return decodeDocument(raw, cache);
    case 'tool_use':
      if (typeof raw.id !== 'string' || typeof raw.name !== 'string') {
        throw invalid(path, 'tool_use needs a string id and name');
      }
      return withHint({ type: 'tool_call', id: raw.id, name: raw.name, input: raw.input ?? {} });
    case 'tool_result':
      return withHint(decodeToolResult(raw, path));
    case 'thinking': {
      const block: IrReasoningBlock = {
        type: 'reasoning',
        text: typeof raw.thinking === 'string' ? raw.thinking : '',
      };
      if (typeof raw.signature === 'string' && raw.signature !== '') {
        block.providerState = toIrState('anthropic', raw.signature);
      }
      return block;
    }
    case 'redacted_thinking':
      if (typeof raw.data !== 'string') throw invalid(path, 'redacted_thinking needs data');
      return {
        type: 'reasoning',
        text: '',
        redacted: true,
        providerState: toIrState('anthropic', raw.data),
      };
    case 'web_search_tool_result':
      return flattenWebSearchResult(raw.content);
    default:
      // server_tool_use, other *_tool_result, search_result, container_upload, future types.
      return null;
  }
}

function decodeToolResult(raw: Record<string, unknown>, path: string): IrToolResultBlock {
  if (typeof raw.tool_use_id !== 'string') throw invalid(path, 'tool_result needs tool_use_id');
  const block: IrToolResultBlock = {
    type: 'tool_result',
    toolCallId: raw.tool_use_id,
    content: [],
  };
  if (typeof raw.content === 'string') {
    block.content = [{ type: 'text', text: raw.content }];
  } else if (Array.isArray(raw.content)) {
    block.content = raw.content.flatMap((inner, i) => {
      const decoded = decodeBlock(inner, `${path}.content.${i}`);
      return decoded?.type === 'text' || decoded?.type === 'image' || decoded?.type === 'document'
        ? [decoded]
        : [];
    });
  }
  if (typeof raw.is_error === 'boolean') block.isError = raw.is_error;
  return block;
}

function decodeMediaSource(source: unknown): IrMediaSource | null {
  if (!isRecord(source)) return null;
  if (source.type === 'base64' && typeof source.data === 'string') {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : '';
    return { kind: 'base64', mediaType, data: source.data };
  }
  if (source.type === 'url' && typeof source.url === 'string') {
    return { kind: 'url', url: source.url };
  }
  return null; // `file` (Files API ids mean nothing elsewhere)
}

function decodeDocument(
  raw: Record<string, unknown>,
  cache: IrDocumentBlock['cache'],
): IrDocumentBlock | null {
  const source = raw.source;
  let irSource: IrDocumentBlock['source'] | null = decodeMediaSource(source);
  if (isRecord(source) && source.type === 'text' && typeof source.data === 'string') {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : 'text/plain';
    irSource = { kind: 'text', mediaType, data: source.data };
  }
  if (!irSource) return null; // `content` and `file` sources
  const block: IrDocumentBlock = { type: 'document', source: irSource };
  if (typeof raw.title === 'string') block.title = raw.title;
  if (cache) block.cache = cache;
  return block;
}

/** Web search results cannot be replayed to another provider: their titles and URLs can. */
function flattenWebSearchResult(content: unknown): IrTextBlock | null {
  if (!Array.isArray(content)) return null;
  const lines = content.flatMap((result) =>
    isRecord(result) && typeof result.url === 'string'
      ? [`- ${typeof result.title === 'string' ? result.title : result.url} (${result.url})`]
      : [],
  );
  return lines.length > 0
    ? { type: 'text', text: `Web search results:\n${lines.join('\n')}` }
    : null;
}

function decodeTools(tools: unknown): IrToolDefinition[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new ProtocolRequestError('tools: must be an array');
  return tools.flatMap((tool, i): IrToolDefinition[] => {
    if (!isRecord(tool)) throw new ProtocolRequestError(`tools.${i}: must be an object`);
    // Server tools (web_search_…, bash_…, text_editor_…, code_execution_…) carry a versioned
    // `type` and no schema: only Anthropic runs them, so they are dropped.
    if (tool.type !== undefined && tool.type !== 'custom') return [];
    if (typeof tool.name !== 'string' || !isRecord(tool.input_schema)) {
      throw new ProtocolRequestError(`tools.${i}: needs a name and an input_schema object`);
    }
    const definition: IrToolDefinition = { name: tool.name, inputSchema: tool.input_schema };
    if (typeof tool.description === 'string') definition.description = tool.description;
    const cache = cacheHintFromWire(tool.cache_control);
    if (cache) definition.cache = cache;
    return [definition];
  });
}

function decodeToolChoice(choice: unknown): IrToolChoice | undefined {
  if (!isRecord(choice)) return undefined;
  const parallel =
    typeof choice.disable_parallel_tool_use === 'boolean'
      ? { parallel: !choice.disable_parallel_tool_use }
      : {};
  switch (choice.type) {
    case 'auto':
    case 'any':
      return { type: choice.type, ...parallel };
    case 'tool':
      if (typeof choice.name !== 'string') throw invalid('tool_choice', 'needs a tool name');
      return { type: 'tool', name: choice.name, ...parallel };
    case 'none':
      return { type: 'none' };
    default:
      return undefined;
  }
}

/** `thinking` + `output_config.effort` → IR reasoning; adaptive without effort is "high". */
function decodeThinking(thinking: unknown, effort: unknown): IrReasoningConfig | undefined {
  const irEffort =
    typeof effort === 'string' && EFFORTS.includes(effort) ? (effort as Effort) : undefined;
  if (!isRecord(thinking)) return irEffort ? { mode: 'effort', effort: irEffort } : undefined;
  switch (thinking.type) {
    case 'enabled':
      return typeof thinking.budget_tokens === 'number'
        ? { mode: 'budget', budgetTokens: thinking.budget_tokens }
        : { mode: 'effort', effort: irEffort ?? 'high' };
    case 'adaptive':
      return { mode: 'effort', effort: irEffort ?? 'high' };
    case 'disabled':
      return { mode: 'off' };
    default:
      return undefined;
  }
}

function invalid(path: string, what: string): ProtocolRequestError {
  return new ProtocolRequestError(`${path}: ${what}`);
}
