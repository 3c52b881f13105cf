/**
 * Usage normalisation between the Responses API and the IR (protocols.md §C.2). OpenAI counts
 * cached (and cache-written) tokens inside `input_tokens`; the IR keeps them disjoint.
 */
import { isRecord, tokenCount } from '../common/json-narrowing';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { ResponsesUsage } from './openai-responses.wire';

/** A Responses `usage` object into IR usage; missing or malformed fields count as 0. */
export function usageFromResponses(usage: unknown): IrUsage {
  if (!isRecord(usage)) return emptyUsage();
  const inputDetails = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const input = tokenCount(usage.input_tokens);
  // Clamp the details to the total: a cache count above the input count would go negative.
  const cacheRead = Math.min(tokenCount(inputDetails.cached_tokens), input);
  const cacheWrite = Math.min(tokenCount(inputDetails.cache_write_tokens), input - cacheRead);
  return {
    inputTokens: input - cacheRead - cacheWrite,
    outputTokens: tokenCount(usage.output_tokens),
    cacheWrite5mTokens: cacheWrite,
    cacheWrite1hTokens: 0,
    cacheReadTokens: cacheRead,
    reasoningTokens: tokenCount(outputDetails.reasoning_tokens),
  };
}

/**
 * IR usage as a Responses `usage` object. Codex requires the three integer totals; the input
 * count includes cache reads and writes, and the total is input plus output.
 */
export function usageToResponses(usage: Partial<IrUsage>): ResponsesUsage {
  const input =
    tokenCount(usage.inputTokens) +
    tokenCount(usage.cacheReadTokens) +
    tokenCount(usage.cacheWrite5mTokens) +
    tokenCount(usage.cacheWrite1hTokens);
  const output = tokenCount(usage.outputTokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: tokenCount(usage.cacheReadTokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: tokenCount(usage.reasoningTokens) },
    total_tokens: input + output,
  };
}

/** Merges a partial usage report into a running total (later non-undefined fields win). */
export function mergeUsage(into: IrUsage, update: Partial<IrUsage>): IrUsage {
  const merged: IrUsage = { ...into };
  for (const key of Object.keys(merged) as (keyof IrUsage)[]) {
    const value = update[key];
    if (value !== undefined) merged[key] = tokenCount(value);
  }
  return merged;
}
