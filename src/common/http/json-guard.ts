/** Deeper JSON than this is no admin request: it only serves to exhaust the validator's stack. */
export const MAX_ADMIN_JSON_DEPTH = 64;

/**
 * Why an admin JSON body is refused before parsing, or null when it is fine: nesting deeper than
 * MAX_ADMIN_JSON_DEPTH, or a NUL character (Postgres text cannot store it). One pass over the
 * text, tracking strings so brackets and escapes inside them do not count.
 */
export function adminJsonProblem(text: string): string | null {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 0) return 'The request body contains a NUL character.';
    if (inString) {
      if (char === 0x5c /* \\ */) {
        if (text.startsWith('u0000', index + 1))
          return 'The request body contains a NUL character.';
        index += 1;
      } else if (char === 0x22 /* " */) {
        inString = false;
      }
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > MAX_ADMIN_JSON_DEPTH)
        return `The request body nests deeper than ${MAX_ADMIN_JSON_DEPTH} levels.`;
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return null;
}

/** True when a request path or query carries a NUL, raw or percent-encoded. */
export function urlHasNul(url: string): boolean {
  return url.includes('\0') || /%00/i.test(url);
}
