/**
 * JSON-schema clean-up between Gemini and the IR.
 *
 * Towards Gemini the adapter always declares tools with `parametersJsonSchema` (full JSON Schema,
 * what the Gemini CLI itself sends), not the legacy OpenAPI-subset `parameters`. That field takes
 * `additionalProperties`, `$ref`/`$defs`, `anyOf`, `const` and type arrays as they are, so the only
 * keyword removed is `$schema` (protocols.md §C.5 "strip `$schema`"); the deeper rewrites listed
 * there are needed only for `parameters`, which this adapter never writes.
 *
 * From Gemini clients, `parametersJsonSchema` is taken as is; the legacy `parameters` Schema is
 * turned into JSON Schema (uppercase `type` names lowered, `nullable` folded into the type).
 */
import { isRecord } from '../common/json-narrowing';

type Schema = Record<string, unknown>;
type NodeRewrite = (node: Schema) => Schema;

/** Keywords whose value is a map of name → subschema (the names themselves are data). */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value is one subschema (or, for `items`, an array in draft 4–7). */
const SCHEMA_SINGLES = new Set([
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
]);

/**
 * Applies `rewrite` to every schema node, walking only schema positions: a property that happens
 * to be called `$schema` or `type` is data, not a keyword, and is left alone.
 */
function walk(value: unknown, rewrite: NodeRewrite): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, rewrite));
  if (!isRecord(value)) return value;
  const node = rewrite(value);
  const out: Schema = {};
  for (const [key, child] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(key) && isRecord(child)) {
      const map: Schema = {};
      for (const [name, sub] of Object.entries(child)) map[name] = walk(sub, rewrite);
      out[key] = map;
    } else if ((SCHEMA_LISTS.has(key) || SCHEMA_SINGLES.has(key)) && typeof child === 'object') {
      out[key] = walk(child, rewrite);
    } else {
      out[key] = child;
    }
  }
  return out;
}

function withoutKeys(node: Schema, keys: string[]): Schema {
  const copy = { ...node };
  for (const key of keys) delete copy[key];
  return copy;
}

/** A JSON Schema as Gemini's `parametersJsonSchema` / `responseJsonSchema` accept it. */
export function cleanSchemaForGemini(schema: Record<string, unknown>): Record<string, unknown> {
  return walk(schema, (node) => withoutKeys(node, ['$schema'])) as Schema;
}

/** A tool's argument schema: cleaned, and an object schema even when the client left `type` out. */
export function toolParametersForGemini(schema: Record<string, unknown>): Record<string, unknown> {
  const cleaned = cleanSchemaForGemini(schema);
  if (cleaned.type === undefined) cleaned.type = 'object';
  return cleaned;
}

function lowerType(type: unknown): unknown {
  if (typeof type === 'string') return type.toLowerCase();
  if (Array.isArray(type)) {
    return type.map((t: unknown) => (typeof t === 'string' ? t.toLowerCase() : t));
  }
  return type;
}

/** One legacy OpenAPI `Schema` node as JSON Schema. */
function openApiNode(node: Schema): Schema {
  const out = withoutKeys(node, ['nullable', 'propertyOrdering']);
  if (node.type !== undefined) out.type = lowerType(node.type);
  if (node.nullable === true && typeof out.type === 'string' && out.type !== 'null') {
    out.type = [out.type, 'null'];
  }
  return out;
}

/** Legacy `parameters` / `responseSchema` (OpenAPI subset, `type: "OBJECT"`) → JSON Schema. */
export function schemaFromOpenApi(schema: Record<string, unknown>): Record<string, unknown> {
  return walk(schema, openApiNode) as Schema;
}
