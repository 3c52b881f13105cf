/**
 * Model name patterns used by provider allowlists and redirects. A pattern is either an exact
 * model name or `prefix*` (a single trailing star; `*` alone matches every model). A star
 * anywhere else is an ordinary character. Matching is case-sensitive, like the vendors' ids.
 */

function isPrefixPattern(pattern: string): boolean {
  return pattern.endsWith('*');
}

export function matchesModelPattern(pattern: string, model: string): boolean {
  if (isPrefixPattern(pattern)) {
    return model.startsWith(pattern.slice(0, -1));
  }
  return pattern === model;
}

/** An absent or empty allowlist admits every model. */
export function isModelAllowed(
  allowlist: readonly string[] | null | undefined,
  model: string,
): boolean {
  if (!allowlist || allowlist.length === 0) {
    return true;
  }
  return allowlist.some((pattern) => matchesModelPattern(pattern, model));
}

/**
 * The upstream model for a requested one: an exact key wins; otherwise the longest matching
 * `prefix*` key (so `*` is the catch-all of last resort); otherwise the model unchanged.
 * Only own string-valued properties count, so `__proto__` or `constructor` as a model name
 * cannot pick up inherited members of the (JSON-sourced) redirect object.
 */
export function resolveModelRedirect(
  redirects: Readonly<Record<string, string>> | null | undefined,
  model: string,
): string {
  if (!redirects) {
    return model;
  }
  if (Object.prototype.hasOwnProperty.call(redirects, model)) {
    const exact = redirects[model];
    if (typeof exact === 'string') {
      return exact;
    }
  }
  let best: { prefixLength: number; target: string } | null = null;
  for (const [pattern, target] of Object.entries(redirects)) {
    if (typeof target !== 'string' || !isPrefixPattern(pattern)) {
      continue;
    }
    const prefixLength = pattern.length - 1;
    if (matchesModelPattern(pattern, model) && (!best || prefixLength > best.prefixLength)) {
      best = { prefixLength, target };
    }
  }
  return best ? best.target : model;
}
