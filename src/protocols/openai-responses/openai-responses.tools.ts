/**
 * Tool naming in both directions.
 *
 * Client side (Codex): `type:"namespace"` tools are flattened into IR tools named
 * `<namespace>__<function>`, and `type:"custom"` (freeform) tools become IR tools with an
 * `{input: string}` schema. Answers must name them the client's way again (`function_call` with a
 * `namespace` field, `custom_tool_call`), so the decoder records where each IR tool came from in a
 * WeakMap keyed by the IR tool definition object: shallow copies of the IR request keep that
 * identity. A tool definition that was rebuilt loses its origin and is answered by its flat name.
 *
 * Upstream side: OpenAI tool names must match `^[a-zA-Z0-9_-]{1,64}$`; other names are rewritten
 * reversibly and recorded in `context.toolNames` (upstream name → IR name).
 */
import { IrRequest, IrToolDefinition } from '../ir/ir-request';
import { ConversionContext } from '../protocol-adapter';
import { NAMESPACE_SEPARATOR } from './openai-responses.wire';

export type ClientToolOrigin =
  { kind: 'namespace'; namespace: string; name: string } | { kind: 'custom'; name: string };

const origins = new WeakMap<IrToolDefinition, ClientToolOrigin>();

export function rememberToolOrigin(tool: IrToolDefinition, origin: ClientToolOrigin): void {
  origins.set(tool, origin);
}

export function flatNamespacedName(namespace: string, name: string): string {
  return `${namespace}${NAMESPACE_SEPARATOR}${name}`;
}

/** How to name an IR tool call in an answer to the client that sent `request`. */
export interface ClientToolCallName {
  name: string;
  namespace?: string;
  custom: boolean;
}

export function clientToolCallName(request: IrRequest, irName: string): ClientToolCallName {
  const tool = request.tools.find((candidate) => candidate.name === irName);
  const origin = tool ? origins.get(tool) : undefined;
  if (origin?.kind === 'namespace') {
    return { name: origin.name, namespace: origin.namespace, custom: false };
  }
  if (origin?.kind === 'custom') return { name: origin.name, custom: true };
  return { name: irName, custom: false };
}

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 64;
const HASH_SUFFIX_LENGTH = 9; // '_' + 8 hex digits

/** Upstream names for the IR tool names of one request, assigned once and recorded. */
export class UpstreamToolNames {
  private readonly byIrName = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** `names`: every IR tool name the request uses (definitions, calls in history, tool choice). */
  constructor(
    names: Iterable<string>,
    private readonly context: ConversionContext,
  ) {
    const all = [...new Set(names)];
    // Valid names keep their spelling; reserve them first so rewritten ones cannot collide.
    for (const name of all) {
      if (VALID_NAME.test(name)) {
        this.byIrName.set(name, name);
        this.taken.add(name);
      }
    }
    for (const name of all) if (!this.byIrName.has(name)) this.assign(name);
  }

  upstream(irName: string): string {
    return this.byIrName.get(irName) ?? this.assign(irName);
  }

  private assign(irName: string): string {
    let candidate = irName.replace(/[^a-zA-Z0-9_-]/g, '_');
    if (candidate.length === 0) candidate = 'tool';
    if (candidate.length > MAX_NAME_LENGTH || this.taken.has(candidate)) {
      const base = candidate.slice(0, MAX_NAME_LENGTH - HASH_SUFFIX_LENGTH);
      let salt = 0;
      do {
        candidate = `${base}_${fnv1a(`${irName}#${salt}`)}`;
        salt++;
      } while (this.taken.has(candidate));
    }
    this.byIrName.set(irName, candidate);
    this.taken.add(candidate);
    if (candidate !== irName) this.context.toolNames.set(candidate, irName);
    return candidate;
  }
}

/** The IR name of a tool named by the upstream. */
export function irToolName(context: ConversionContext, upstreamName: string): string {
  return context.toolNames.get(upstreamName) ?? upstreamName;
}

/** 32-bit FNV-1a as 8 hex digits: short, deterministic, dependency-free. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
