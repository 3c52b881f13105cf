/**
 * Gemini `usageMetadata` ↔ IR usage (protocols.md §C.2). Gemini counts cached tokens inside
 * `promptTokenCount` and thinking tokens outside `candidatesTokenCount`; the IR wants disjoint
 * input counters and output that includes reasoning.
 */
import { isRecord, tokenCount } from '../common/json-narrowing';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { GeminiUsageMetadata } from './gemini.wire';

/**
 * Normalises an untrusted `usageMetadata`. `toolUsePromptTokenCount` (input the model read from
 * server-side tool results) is billed as input, so it joins the uncached input. Gemini has no
 * cache-write counter (explicit caches are billed as storage), so both write counters stay 0.
 */
export function usageFromGemini(metadata: unknown): IrUsage {
  if (!isRecord(metadata)) return emptyUsage();
  const prompt = tokenCount(metadata.promptTokenCount);
  // A cached count above the prompt count is nonsense; never let it make the input negative.
  const cached = Math.min(tokenCount(metadata.cachedContentTokenCount), prompt);
  const thoughts = tokenCount(metadata.thoughtsTokenCount);
  return {
    inputTokens: prompt - cached + tokenCount(metadata.toolUsePromptTokenCount),
    outputTokens: tokenCount(metadata.candidatesTokenCount) + thoughts,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: cached,
    reasoningTokens: thoughts,
  };
}

/**
 * IR usage in Gemini's conventions, for Gemini clients. Cache writes (from an Anthropic upstream)
 * are input the model read, so they count in `promptTokenCount`; the optional counters are left
 * out when zero, as Gemini does.
 */
export function usageToGemini(usage: IrUsage): GeminiUsageMetadata {
  const prompt =
    usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  const reasoning = Math.min(usage.reasoningTokens, usage.outputTokens);
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: prompt,
    candidatesTokenCount: usage.outputTokens - reasoning,
    totalTokenCount: prompt + usage.outputTokens,
  };
  if (usage.cacheReadTokens > 0) metadata.cachedContentTokenCount = usage.cacheReadTokens;
  if (reasoning > 0) metadata.thoughtsTokenCount = reasoning;
  return metadata;
}
