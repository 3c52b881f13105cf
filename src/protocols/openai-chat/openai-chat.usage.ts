/**
 * Usage and finish-reason conversions between Chat Completions and the IR (protocols.md §C.1,
 * §C.2). Chat's `prompt_tokens` INCLUDES cached tokens and `completion_tokens` includes reasoning;
 * the IR's input counter excludes every cache counter.
 */
import { isRecord, tokenCount } from '../common/json-narrowing';
import { IrStopReason } from '../ir/ir-response';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { ChatFinishReason, ChatUsage } from './openai-chat.wire';

/** An upstream `usage` object into IR usage; anything unreadable counts as 0, never NaN. */
export function usageFromChat(usage: unknown): IrUsage {
  if (!isRecord(usage)) return emptyUsage();
  const prompt = tokenCount(usage.prompt_tokens);
  const promptDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completionDetails = isRecord(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {};
  const cacheRead = tokenCount(promptDetails.cached_tokens);
  // `cache_write_tokens` is a newer, optional field; Chat has no TTL, so writes are priced as 5m.
  const cacheWrite = tokenCount(promptDetails.cache_write_tokens);
  return {
    inputTokens: Math.max(0, prompt - cacheRead - cacheWrite),
    outputTokens: tokenCount(usage.completion_tokens),
    cacheWrite5mTokens: cacheWrite,
    cacheWrite1hTokens: 0,
    cacheReadTokens: cacheRead,
    reasoningTokens: tokenCount(completionDetails.reasoning_tokens),
  };
}

/** IR usage as a Chat client expects it: cached and written tokens are part of `prompt_tokens`. */
export function usageToChat(usage: IrUsage): ChatUsage {
  const cacheWrite = usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  const prompt = usage.inputTokens + usage.cacheReadTokens + cacheWrite;
  const promptDetails: ChatUsage['prompt_tokens_details'] = {
    cached_tokens: usage.cacheReadTokens,
  };
  if (cacheWrite > 0) promptDetails.cache_write_tokens = cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/**
 * An upstream `finish_reason` into the IR. Tool calls in the output win over the reason (some
 * providers answer `stop` with tool calls); `stop_sequence` cannot be recovered from Chat.
 */
export function stopReasonFromChat(finishReason: unknown, hasToolCalls: boolean): IrStopReason {
  if (hasToolCalls) return 'tool_use';
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    default:
      // 'stop', a 'tool_calls'/'function_call' without any call, null and unknown values.
      return 'end_turn';
  }
}

/** An IR stop reason as a Chat `finish_reason`. */
export function finishReasonToChat(
  stopReason: IrStopReason,
  hasToolCalls: boolean,
): ChatFinishReason {
  if (hasToolCalls) return 'tool_calls';
  switch (stopReason) {
    case 'max_tokens':
    case 'context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
  }
}
