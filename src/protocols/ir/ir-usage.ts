/**
 * Protocol-neutral token usage. Every upstream protocol is normalised into this shape before
 * metering, so the billing code never has to know whose counting conventions it is looking at.
 *
 * The conventions are Anthropic's, because they are the only ones where the cache counters and the
 * input counter are disjoint (OpenAI and Gemini include cached tokens in their input count):
 * summing the fields below never double-counts a token.
 */
export interface IrUsage {
  /** Uncached input tokens (excludes cache reads and cache writes). */
  inputTokens: number;
  /** All output tokens, reasoning included. */
  outputTokens: number;
  /** Input tokens written to a cache with the 5-minute TTL. */
  cacheWrite5mTokens: number;
  /** Input tokens written to a cache with the 1-hour TTL. */
  cacheWrite1hTokens: number;
  /** Input tokens served from the cache. */
  cacheReadTokens: number;
  /** Reasoning/thinking tokens: informational, already counted in `outputTokens`. */
  reasoningTokens: number;
}

export function emptyUsage(): IrUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    reasoningTokens: 0,
  };
}
