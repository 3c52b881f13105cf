/**
 * The parts of an upstream Anthropic request that are policy rather than mapping: `max_tokens`,
 * the thinking config and what it forbids, and prompt-cache breakpoints.
 */
import { IrReasoningConfig, IrRequest } from '../ir/ir-request';
import { ConversionContext } from '../protocol-adapter';
import { AnthropicMessageParam, AnthropicRequestBody } from './anthropic-messages.wire';

/**
 * `max_tokens` when the client gave none (Codex never does; Anthropic requires it): 32000 is the
 * output limit of Claude Opus 4/4.1 and below that of every later model, and leaves room for the
 * "high" thinking budget.
 */
export const DEFAULT_MAX_TOKENS = 32000;

/** The smallest `budget_tokens` Anthropic accepts. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * Effort → `budget_tokens` (protocols.md §C.3/C.4). Thinking is always sent as
 * `{type:"enabled", budget_tokens}`, which every thinking-capable Claude model accepts, rather than
 * `adaptive` + `output_config.effort`, which older models reject: the encoder does not know the
 * model's capabilities.
 */
export const EFFORT_BUDGETS: Record<NonNullable<IrReasoningConfig['effort']>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
  xhigh: 32000,
  max: 48000,
};

/**
 * Sets `thinking` on a body whose messages, tools and sampling fields are already encoded.
 * Thinking is left off when it cannot work:
 * - the budget must be below `max_tokens`: a budget that is not is halved to `max_tokens / 2`, and
 *   when that is under the 1024 minimum thinking is left off;
 * - forced tool use (`tool_choice` any/tool) is incompatible with thinking;
 * - §C.8 point 1: with thinking on, Anthropic rejects a tool-use continuation whose assistant turn
 *   lacks its (signed) thinking block, which is the case whenever the history came from a client
 *   of another family that could not carry the signature.
 * With thinking on, sampling settings Anthropic rejects are removed (temperature other than 1,
 * top_k, top_p below 0.95).
 */
export function applyThinkingPolicy(
  body: AnthropicRequestBody,
  reasoning: IrReasoningConfig | undefined,
  context: ConversionContext,
): void {
  if (!reasoning) return;
  if (reasoning.mode === 'off') {
    body.thinking = { type: 'disabled' };
    return;
  }
  let budget =
    reasoning.mode === 'budget' && reasoning.budgetTokens !== undefined
      ? reasoning.budgetTokens
      : EFFORT_BUDGETS[reasoning.effort ?? 'high'];
  budget = Math.max(MIN_THINKING_BUDGET, Math.floor(budget));
  if (budget >= body.max_tokens) budget = Math.floor(body.max_tokens / 2);
  if (budget < MIN_THINKING_BUDGET) {
    context.dropped('thinking: max_tokens too small for a thinking budget');
    return;
  }
  const choice = body.tool_choice?.type;
  if (choice === 'any' || choice === 'tool') {
    context.dropped('thinking: tool_choice forces tool use');
    return;
  }
  if (currentTurnLacksThinking(body.messages)) {
    context.dropped('thinking: prior turns lack signatures');
    return;
  }
  body.thinking = { type: 'enabled', budget_tokens: budget };
  if (body.temperature !== undefined && body.temperature !== 1) {
    delete body.temperature;
    context.dropped('temperature: not allowed with thinking');
  }
  if (body.top_k !== undefined) {
    delete body.top_k;
    context.dropped('top_k: not allowed with thinking');
  }
  if (body.top_p !== undefined && body.top_p < 0.95) {
    delete body.top_p;
    context.dropped('top_p: below 0.95 is not allowed with thinking');
  }
}

/**
 * True when an assistant message of the current tool loop (after the last user message that is
 * more than tool results) uses a tool without starting with a thinking block.
 */
function currentTurnLacksThinking(messages: AnthropicMessageParam[]): boolean {
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role === 'user' && message.content.some((b) => b.type !== 'tool_result')) {
      start = i + 1;
      break;
    }
  }
  return messages.slice(start).some((message) => {
    if (message.role !== 'assistant') return false;
    if (!message.content.some((block) => block.type === 'tool_use')) return false;
    const first = message.content[0]?.type;
    return first !== 'thinking' && first !== 'redacted_thinking';
  });
}

/** True when any part of the request already carries a cache hint (native Anthropic traffic). */
export function hasCacheHints(request: IrRequest): boolean {
  return (
    request.system.some((block) => block.cache) ||
    request.tools.some((tool) => tool.cache) ||
    request.messages.some((message) =>
      message.content.some(
        (block) =>
          ('cache' in block && block.cache !== undefined) ||
          (block.type === 'tool_result' && block.content.some((inner) => inner.cache)),
      ),
    )
  );
}

/**
 * Prompt-cache breakpoints for requests that came without any (OpenAI and Gemini clients rely on
 * automatic caching; Anthropic caches nothing unmarked, and Codex re-sends the whole history every
 * turn). At most 4, Anthropic's limit: the end of the system prompt, the end of the tool list, and
 * the last block of the last two user messages. The last one writes this turn's prefix; the one
 * before sits exactly where the previous turn's last breakpoint was, so it is read back even when
 * more than 20 blocks (the API's look-back window) were added since.
 */
export function addCacheBreakpoints(body: AnthropicRequestBody): void {
  const lastSystem = body.system?.[body.system.length - 1];
  if (lastSystem) lastSystem.cache_control = { type: 'ephemeral' };
  const lastTool = body.tools?.[body.tools.length - 1];
  if (lastTool) lastTool.cache_control = { type: 'ephemeral' };
  let marked = 0;
  for (let i = body.messages.length - 1; i >= 0 && marked < 2; i--) {
    const message = body.messages[i];
    if (message.role !== 'user') continue;
    const block = message.content[message.content.length - 1];
    if (block && block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      block.cache_control = { type: 'ephemeral' };
      marked++;
    }
  }
}
