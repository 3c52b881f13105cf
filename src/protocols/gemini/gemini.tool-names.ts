/**
 * Gemini function names must match `^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$`. Names that do not are
 * rewritten for the upstream request and recorded in `ConversionContext.toolNames` (upstream name
 * → client name) so decoders of the answer give the client back the names it declared.
 */
import { ConversionContext } from '../protocol-adapter';

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;
const MAX_LENGTH = 128;

/** FNV-1a, 32 bits: a short deterministic suffix that keeps truncated names distinct. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function sanitize(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_.:-]/g, '_');
  if (!/^[a-zA-Z_]/.test(out)) out = `_${out}`;
  if (out.length > MAX_LENGTH) out = `${out.slice(0, MAX_LENGTH - 9)}_${shortHash(name)}`;
  return out;
}

/** Client name → upstream name for one request, reversible through `context.toolNames`. */
export class GeminiToolNames {
  private readonly toUpstream = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** `names`: every tool name of the request, so valid names are reserved before rewriting. */
  constructor(
    private readonly context: ConversionContext,
    names: Iterable<string>,
  ) {
    for (const [upstream, client] of context.toolNames) {
      this.toUpstream.set(client, upstream);
      this.taken.add(upstream);
    }
    for (const name of names) {
      if (VALID_NAME.test(name) && !this.toUpstream.has(name) && !this.taken.has(name)) {
        this.toUpstream.set(name, name);
        this.taken.add(name);
      }
    }
  }

  upstream(clientName: string): string {
    const known = this.toUpstream.get(clientName);
    if (known !== undefined) return known;
    const base = sanitize(clientName);
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = `${base.slice(0, MAX_LENGTH - suffix.length)}${suffix}`;
    }
    this.toUpstream.set(clientName, candidate);
    this.taken.add(candidate);
    if (candidate !== clientName) this.context.toolNames.set(candidate, clientName);
    return candidate;
  }
}

/** The client's name for a function name read from the upstream. */
export function clientToolName(context: ConversionContext, upstreamName: string): string {
  return context.toolNames.get(upstreamName) ?? upstreamName;
}
