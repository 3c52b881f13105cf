/**
 * Chat Completions tool names must match `^[a-zA-Z0-9_-]{1,64}$`; other protocols allow dots,
 * colons, slashes and longer names (MCP tools). Names are rewritten reversibly: every rewrite is
 * recorded in `context.toolNames` (upstream → client) so answers name the tools the client knows.
 */
import { ConversionContext } from '../protocol-adapter';

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const INVALID_CHARS = /[^a-zA-Z0-9_-]/g;
const MAX_LENGTH = 64;

export function isValidChatToolName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** Assigns each client tool name one upstream name, for the duration of one request. */
export class ToolNameMapper {
  private readonly upstreamByClient = new Map<string, string>();
  private readonly taken = new Set<string>();

  /**
   * Valid names are reserved first, so that a rewritten name can never shadow a tool that
   * already had that name.
   */
  constructor(
    clientNames: Iterable<string>,
    private readonly context: ConversionContext,
  ) {
    const unique = [...new Set(clientNames)];
    for (const name of unique) {
      if (!isValidChatToolName(name)) continue;
      this.upstreamByClient.set(name, name);
      this.taken.add(name);
    }
    for (const name of unique) this.upstream(name);
  }

  upstream(clientName: string): string {
    const known = this.upstreamByClient.get(clientName);
    if (known !== undefined) return known;
    const base = clientName.replace(INVALID_CHARS, '_').slice(0, MAX_LENGTH) || 'tool';
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = base.slice(0, MAX_LENGTH - suffix.length) + suffix;
    }
    this.taken.add(candidate);
    this.upstreamByClient.set(clientName, candidate);
    this.context.toolNames.set(candidate, clientName);
    return candidate;
  }
}

/** The client's name for a tool the upstream named. */
export function clientToolName(context: ConversionContext, upstreamName: string): string {
  return context.toolNames.get(upstreamName) ?? upstreamName;
}
