/**
 * Client side: a Gemini `generateContent` / `streamGenerateContent` body (the Gemini CLI's) → IR.
 * The model and the stream flag are not in the body: they come from the request path.
 *
 * Tool-call ids: Gemini CLI puts an id on every functionCall and the same id on its
 * functionResponse, but other Gemini clients (and older models) send none. A call without an id
 * gets `call_<n>`, n counting id-less calls from the start of the conversation, so the ids of a
 * turn stay the same when later turns re-send the history. A functionResponse pairs with the
 * pending call that has its id, else with the oldest pending call of the same name (Gemini's own
 * rule: by name and order).
 *
 * Left out (no IR equivalent): googleSearch / codeExecution / urlContext and other server tools,
 * executableCode / codeExecutionResult / videoMetadata parts, thought parts inside user turns,
 * safetySettings, cachedContent, candidateCount, seed, penalties, responseModalities, logprobs,
 * `allowedFunctionNames` beyond a single name, JSON mode without a schema, `includeThoughts:false`.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock, IrTextBlock, IrToolResultBlock } from '../ir/ir-content';
import {
  IrMessage,
  IrReasoningConfig,
  IrRequest,
  IrToolChoice,
  IrToolDefinition,
} from '../ir/ir-request';
import { ProtocolRequestError } from '../protocol-adapter';
import { appendModelPart, blockFromFileData, blockFromInlineData } from './gemini.parts';
import { schemaFromOpenApi } from './gemini.schema';
import { GeminiToolCallPairing } from './gemini.request-pairing';
import { bareModelName } from './gemini.wire';

function textBlocks(value: unknown): IrTextBlock[] {
  if (typeof value === 'string') return value.length > 0 ? [{ type: 'text', text: value }] : [];
  if (!isRecord(value) || !Array.isArray(value.parts)) return [];
  const blocks: IrTextBlock[] = [];
  for (const part of value.parts) {
    const text = isRecord(part) ? stringOrNull(part.text) : null;
    if (text !== null && text.length > 0) blocks.push({ type: 'text', text });
  }
  return blocks;
}

/** `functionResponse.response` as the text of a tool result (`{output}` / `{result}` unwrapped). */
function responseText(response: Record<string, unknown>, isError: boolean): string {
  const picked: unknown = isError
    ? response.error
    : 'output' in response
      ? response.output
      : 'result' in response
        ? response.result
        : response;
  return typeof picked === 'string' ? picked : JSON.stringify(picked ?? null);
}

function toolResult(
  call: Record<string, unknown>,
  pairing: GeminiToolCallPairing,
): IrToolResultBlock {
  const name = stringOrNull(call.name) ?? '';
  const response = isRecord(call.response) ? call.response : {};
  const isError = 'error' in response;
  const content: IrToolResultBlock['content'] = [
    { type: 'text', text: responseText(response, isError) },
  ];
  // Gemini 3 multimodal function responses carry media in `parts`.
  if (Array.isArray(call.parts)) {
    for (const part of call.parts) {
      if (!isRecord(part)) continue;
      const media = blockFromInlineData(part.inlineData) ?? blockFromFileData(part.fileData);
      if (media !== null) content.push(media);
    }
  }
  const block: IrToolResultBlock = {
    type: 'tool_result',
    toolCallId: pairing.resultId(stringOrNull(call.id), name),
    name,
    content,
  };
  if (isError) block.isError = true;
  return block;
}

function userBlocks(parts: unknown[], pairing: GeminiToolCallPairing): IrContentBlock[] {
  const blocks: IrContentBlock[] = [];
  for (const part of parts) {
    if (!isRecord(part) || part.thought === true) continue;
    if (isRecord(part.functionResponse)) {
      blocks.push(toolResult(part.functionResponse, pairing));
      continue;
    }
    const text = stringOrNull(part.text);
    if (text !== null) {
      if (text.length > 0) blocks.push({ type: 'text', text });
      continue;
    }
    const media = blockFromInlineData(part.inlineData) ?? blockFromFileData(part.fileData);
    if (media !== null) blocks.push(media);
  }
  return blocks;
}

function messages(contents: unknown[]): IrMessage[] {
  const pairing = new GeminiToolCallPairing(contents);
  const reader = {
    callId: (call: Record<string, unknown>, name: string) =>
      pairing.callId(stringOrNull(call.id), name),
    toolName: (name: string) => name,
  };
  const out: IrMessage[] = [];
  contents.forEach((content, i) => {
    if (!isRecord(content) || !Array.isArray(content.parts)) {
      throw new ProtocolRequestError(`contents[${i}]: must be an object with a parts array`);
    }
    const role = content.role === 'model' ? 'assistant' : 'user';
    let blocks: IrContentBlock[];
    if (role === 'assistant') {
      blocks = [];
      for (const part of content.parts) if (isRecord(part)) appendModelPart(blocks, part, reader);
    } else {
      blocks = userBlocks(content.parts, pairing);
    }
    if (blocks.length === 0) return;
    const previous = out[out.length - 1];
    // Consecutive same-role contents mean the same as one; most upstreams want them merged.
    if (previous?.role === role) previous.content.push(...blocks);
    else out.push({ role, content: blocks });
  });
  return out;
}

function tools(value: unknown): IrToolDefinition[] {
  if (!Array.isArray(value)) return [];
  const out: IrToolDefinition[] = [];
  for (const tool of value) {
    if (!isRecord(tool) || !Array.isArray(tool.functionDeclarations)) continue;
    for (const declaration of tool.functionDeclarations) {
      const name = isRecord(declaration) ? stringOrNull(declaration.name) : null;
      if (!isRecord(declaration) || name === null || name.length === 0) {
        throw new ProtocolRequestError('tools: every function declaration needs a name');
      }
      const { parametersJsonSchema: jsonSchema, parameters } = declaration;
      const inputSchema = isRecord(jsonSchema)
        ? jsonSchema
        : isRecord(parameters)
          ? schemaFromOpenApi(parameters)
          : { type: 'object', properties: {} };
      const definition: IrToolDefinition = { name, inputSchema };
      const description = stringOrNull(declaration.description);
      if (description !== null) definition.description = description;
      out.push(definition);
    }
  }
  return out;
}

function toolChoice(toolConfig: unknown): IrToolChoice | undefined {
  if (!isRecord(toolConfig) || !isRecord(toolConfig.functionCallingConfig)) return undefined;
  const config = toolConfig.functionCallingConfig;
  const mode = typeof config.mode === 'string' ? config.mode.toUpperCase() : 'AUTO';
  if (mode === 'NONE') return { type: 'none' };
  if (mode !== 'ANY') return { type: 'auto' };
  const allowed = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  const only: unknown = allowed[0];
  return allowed.length === 1 && typeof only === 'string'
    ? { type: 'tool', name: only }
    : { type: 'any' };
}

const EFFORT_BY_LEVEL: Record<string, IrReasoningConfig['effort']> = {
  MINIMAL: 'minimal',
  LOW: 'low',
  MEDIUM: 'medium',
  HIGH: 'high',
};

function reasoning(value: unknown): IrReasoningConfig | undefined {
  if (!isRecord(value)) return undefined;
  const level = typeof value.thinkingLevel === 'string' ? value.thinkingLevel.toUpperCase() : null;
  const effort = level !== null ? EFFORT_BY_LEVEL[level] : undefined;
  if (effort !== undefined) return { mode: 'effort', effort };
  const budget = value.thinkingBudget;
  if (typeof budget === 'number' && Number.isFinite(budget)) {
    if (budget === 0) return { mode: 'off' };
    // -1 is "dynamic": thinking on, the model picks how much.
    return budget < 0 ? { mode: 'effort' } : { mode: 'budget', budgetTokens: Math.floor(budget) };
  }
  return value.includeThoughts === true ? { mode: 'effort' } : undefined;
}

function applyGenerationConfig(request: IrRequest, config: unknown): void {
  if (!isRecord(config)) return;
  const { maxOutputTokens, temperature, topP, topK, stopSequences } = config;
  if (typeof maxOutputTokens === 'number' && maxOutputTokens > 0) {
    request.maxOutputTokens = Math.floor(maxOutputTokens);
  }
  if (typeof temperature === 'number') request.temperature = temperature;
  if (typeof topP === 'number') request.topP = topP;
  if (typeof topK === 'number') request.topK = topK;
  if (Array.isArray(stopSequences)) {
    const stops = stopSequences.filter((s): s is string => typeof s === 'string');
    if (stops.length > 0) request.stopSequences = stops;
  }
  if (isRecord(config.responseJsonSchema)) request.responseSchema = config.responseJsonSchema;
  else if (isRecord(config.responseSchema)) {
    request.responseSchema = schemaFromOpenApi(config.responseSchema);
  }
  const thinking = reasoning(config.thinkingConfig);
  if (thinking !== undefined) request.reasoning = thinking;
}

export function decodeGeminiRequest(
  body: unknown,
  hints: { model?: string; stream?: boolean },
): IrRequest {
  if (!isRecord(body)) throw new ProtocolRequestError('Request body must be a JSON object');
  const model = hints.model !== undefined ? bareModelName(hints.model) : '';
  if (model.length === 0) throw new ProtocolRequestError('model: missing from the request path');
  if (!Array.isArray(body.contents)) throw new ProtocolRequestError('contents: must be an array');

  const request: IrRequest = {
    model,
    system: textBlocks(body.systemInstruction),
    messages: messages(body.contents),
    tools: tools(body.tools),
    stream: hints.stream === true,
  };
  const choice = toolChoice(body.toolConfig);
  if (choice !== undefined) request.toolChoice = choice;
  applyGenerationConfig(request, body.generationConfig);
  return request;
}
