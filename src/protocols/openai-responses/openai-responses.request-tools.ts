/**
 * Client tool definitions into IR tools: `function` tools as they are, `namespace` tools
 * flattened (`<namespace>__<function>`), `custom` (freeform) tools as functions taking one string.
 * Hosted tools (`web_search`, `file_search`, `local_shell`, `mcp`…) are dropped: no other
 * upstream can run them, and decoding has no context to report the drop in.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrToolDefinition } from '../ir/ir-request';
import { flatNamespacedName, rememberToolOrigin } from './openai-responses.tools';

export function decodeTools(tools: unknown): IrToolDefinition[] {
  if (!Array.isArray(tools)) return [];
  const out: IrToolDefinition[] = [];
  const names = new Set<string>();
  const add = (tool: IrToolDefinition): void => {
    if (names.has(tool.name)) return; // first definition wins, as OpenAI would reject duplicates
    names.add(tool.name);
    out.push(tool);
  };
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    if (tool.type === 'function') {
      const decoded = functionTool(tool);
      if (decoded) add(decoded);
    } else if (tool.type === 'namespace') {
      const namespace = stringOrNull(tool.name);
      if (namespace === null || !Array.isArray(tool.tools)) continue;
      for (const inner of tool.tools) {
        if (!isRecord(inner) || inner.type !== 'function') continue;
        const decoded = functionTool(inner);
        if (!decoded) continue;
        const flat = { ...decoded, name: flatNamespacedName(namespace, decoded.name) };
        rememberToolOrigin(flat, { kind: 'namespace', namespace, name: decoded.name });
        add(flat);
      }
    } else if (tool.type === 'custom') {
      const decoded = customTool(tool);
      if (decoded) add(decoded);
    }
  }
  return out;
}

function functionTool(tool: Record<string, unknown>): IrToolDefinition | null {
  const name = stringOrNull(tool.name);
  if (!name) return null;
  const decoded: IrToolDefinition = {
    name,
    inputSchema: isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
  };
  const description = stringOrNull(tool.description);
  if (description) decoded.description = description;
  return decoded;
}

/** A freeform tool: the model writes raw text (e.g. a patch), optionally following a grammar. */
function customTool(tool: Record<string, unknown>): IrToolDefinition | null {
  const name = stringOrNull(tool.name);
  if (!name) return null;
  let description = stringOrNull(tool.description) ?? '';
  const format = isRecord(tool.format) ? tool.format : {};
  const grammar = stringOrNull(format.definition);
  if (format.type === 'grammar' && grammar) {
    const syntax = stringOrNull(format.syntax) ?? 'lark';
    description += `\n\nThe input must follow this ${syntax} grammar:\n${grammar}`;
  }
  const decoded: IrToolDefinition = {
    name,
    inputSchema: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
      required: ['input'],
      additionalProperties: false,
    },
  };
  if (description.trim() !== '') decoded.description = description.trim();
  rememberToolOrigin(decoded, { kind: 'custom', name });
  return decoded;
}
