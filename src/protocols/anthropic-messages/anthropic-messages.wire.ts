/**
 * Wire shapes of the Anthropic Messages API (protocols.md §B.1), as this adapter writes them, and
 * the small mappings every part of the adapter shares (cache hints, stop reasons, usage).
 * Incoming bodies are untrusted and are read through `json-narrowing`, never cast to these.
 */
import { isRecord } from '../common/json-narrowing';
import { IrCacheHint } from '../ir/ir-content';
import { IrStopReason } from '../ir/ir-response';
import { IrUsage } from '../ir/ir-usage';

export interface AnthropicCacheControl {
  type: 'ephemeral';
  /** Omitted for the default TTL (5 minutes). */
  ttl?: '1h';
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicMediaSource =
  { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicMediaSource;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: AnthropicMediaSource | { type: 'text'; media_type: string; data: string };
  title?: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolResultContent =
  AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock;

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  /** A lone uncached text result is written as a string, the way Claude Code and Droid send it. */
  content?: string | AnthropicToolResultContent[];
  is_error?: boolean;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

/** Blocks of an answer (response content, stream blocks). */
export type AnthropicOutputBlock =
  | AnthropicTextBlock
  | AnthropicToolUseBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

export interface AnthropicToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export type AnthropicThinkingParam =
  { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };

/** `POST /v1/messages` body, as sent upstream. */
export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
  tools?: AnthropicToolParam[];
  tool_choice?: AnthropicToolChoice;
  thinking?: AnthropicThinkingParam;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
  metadata?: { user_id: string };
  stream?: boolean;
}

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** A non-streaming answer (`Message`), as written to clients. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicOutputBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** `cache_control` → IR hint; anything that is not an ephemeral marker carries no hint. */
export function cacheHintFromWire(value: unknown): IrCacheHint | undefined {
  if (!isRecord(value) || value.type !== 'ephemeral') return undefined;
  return { ttl: value.ttl === '1h' ? '1h' : '5m' };
}

export function cacheControlFromHint(hint: IrCacheHint): AnthropicCacheControl {
  return hint.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
}

/** Sets or leaves out `cache_control` on a wire object, so absent hints add no key. */
export function withCache<T extends AnthropicContentBlock | AnthropicToolParam>(
  block: T,
  hint: IrCacheHint | undefined,
): T {
  return hint ? { ...block, cache_control: cacheControlFromHint(hint) } : block;
}

/** Upstream `stop_reason` → IR; a missing or unknown reason is a normal end of turn. */
export function stopReasonFromAnthropic(value: unknown): IrStopReason {
  switch (value) {
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
    case 'refusal':
      return value;
    case 'model_context_window_exceeded':
      return 'context_window_exceeded';
    default:
      return 'end_turn';
  }
}

export function stopReasonToAnthropic(reason: IrStopReason): AnthropicStopReason {
  return reason === 'context_window_exceeded' ? 'model_context_window_exceeded' : reason;
}

/** IR usage → the Anthropic client-side `usage` object (protocols.md §C.2). */
export function usageToAnthropic(usage: Partial<IrUsage> | undefined): AnthropicUsage {
  const write5m = usage?.cacheWrite5mTokens ?? 0;
  const write1h = usage?.cacheWrite1hTokens ?? 0;
  return {
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: usage?.cacheReadTokens ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
  };
}
