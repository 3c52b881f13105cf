/**
 * Tool names and tool_use ids to Anthropic's rules, reversibly. Anthropic accepts tool names
 * matching `^[a-zA-Z0-9_-]{1,64}$` (no dots, unlike Gemini; no length over 64, unlike Gemini and
 * long MCP names) and tool_use ids matching `^[a-zA-Z0-9_-]+$`.
 *
 * Renamed tools are recorded in `ConversionContext.toolNames` (upstream name → client name) so the
 * decoders of the answer name the tool the client declared. The mapping is a pure function of the
 * set of names in the request, so every turn of a conversation gets the same upstream names and
 * the prompt-cache prefix stays byte-identical.
 */
import { ConversionContext } from '../protocol-adapter';

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const INVALID_CHARS = /[^a-zA-Z0-9_-]/g;
const MAX_NAME_LENGTH = 64;

export class AnthropicToolNames {
  private readonly upstreamByClient = new Map<string, string>();
  private readonly clientByUpstream = new Map<string, string>();

  /** Reserves every valid name first, so a renamed tool can never take a real tool's name. */
  constructor(
    clientNames: Iterable<string>,
    private readonly context: ConversionContext,
  ) {
    const names = [...new Set(clientNames)];
    for (const name of names) {
      if (VALID_NAME.test(name)) this.assign(name, name);
    }
    for (const name of names) this.upstream(name);
  }

  /** The upstream name of a client tool name (stable within the request). */
  upstream(clientName: string): string {
    const known = this.upstreamByClient.get(clientName);
    if (known !== undefined) return known;
    const base = clientName.replace(INVALID_CHARS, '_').slice(0, MAX_NAME_LENGTH) || 'tool';
    let candidate = base;
    for (let attempt = 0; this.clientByUpstream.has(candidate); attempt++) {
      const suffix = `_${fnv1a(`${clientName}#${attempt}`).toString(36)}`;
      candidate = base.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
    }
    this.assign(clientName, candidate);
    this.context.toolNames.set(candidate, clientName);
    return candidate;
  }

  private assign(clientName: string, upstreamName: string): void {
    this.upstreamByClient.set(clientName, upstreamName);
    this.clientByUpstream.set(upstreamName, clientName);
  }
}

/** A tool_use id Anthropic accepts; applied alike to tool_use.id and tool_result.tool_use_id. */
export function anthropicToolUseId(id: string): string {
  const cleaned = id.replace(INVALID_CHARS, '_');
  return cleaned === '' ? `toolu_${fnv1a(id).toString(36)}` : cleaned;
}

/** The client name of an upstream tool name from an answer. */
export function clientToolName(context: ConversionContext, upstreamName: string): string {
  return context.toolNames.get(upstreamName) ?? upstreamName;
}

/** 32-bit FNV-1a: a short, stable, dependency-free hash for name suffixes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
