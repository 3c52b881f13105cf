/**
 * Upstream side: IR request → Gemini `generateContent` request (protocols.md §C.5).
 *
 * Lossy on purpose (each reported through `context.dropped` where it can happen):
 * - a system message after the conversation started loses its position (folded into
 *   `systemInstruction`, in order);
 * - reasoning text is never sent (Gemini takes thoughts back only as signatures), and reasoning
 *   state made by another provider family is dropped;
 * - `parallel: false` tool choice, the end-user id, stop sequences beyond Gemini's five;
 * - cache hints are left out silently (Gemini caches implicitly).
 */
import { isRecord } from '../common/json-narrowing';
import { IrContentBlock, IrMediaSource } from '../ir/ir-content';
import { IrReasoningConfig, IrRequest } from '../ir/ir-request';
import { stateForUpstream } from '../ir/reasoning-state';
import { ConversionContext, EncodedRequest } from '../protocol-adapter';
import { cleanSchemaForGemini, toolParametersForGemini } from './gemini.schema';
import { GeminiToolNames } from './gemini.tool-names';
import {
  bareModelName,
  GeminiContent,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequestBody,
  GeminiRole,
  GeminiThinkingConfig,
  isGemini3Model,
} from './gemini.wire';

/** Documented value that lets Gemini 3 accept a replayed function call it did not sign. */
const SKIP_SIGNATURE = 'skip_thought_signature_validator';
const MAX_STOP_SEQUENCES = 5;

const EXTENSION_MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

function mediaPart(source: IrMediaSource): GeminiPart {
  if (source.kind === 'base64') {
    return { inlineData: { mimeType: source.mediaType, data: source.data } };
  }
  const extension = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(source.url)?.[1]?.toLowerCase();
  const mimeType = extension !== undefined ? EXTENSION_MIME[extension] : undefined;
  return {
    fileData: mimeType !== undefined ? { mimeType, fileUri: source.url } : { fileUri: source.url },
  };
}

/** Builds the parts of one message, carrying reasoning signatures onto the part that follows. */
class PartsBuilder {
  readonly parts: GeminiPart[] = [];
  private pendingSignature: string | undefined;

  constructor(
    private readonly names: GeminiToolNames,
    private readonly callNames: Map<string, string>,
    private readonly context: ConversionContext,
  ) {}

  add(block: IrContentBlock): void {
    switch (block.type) {
      case 'reasoning': {
        const signature = stateForUpstream('gemini', block.providerState);
        if (signature === undefined) {
          if (block.providerState !== undefined) this.context.dropped('foreign reasoning state');
          return;
        }
        this.flushSignature();
        this.pendingSignature = signature;
        return;
      }
      case 'text':
        if (block.text.length > 0) this.push({ text: block.text });
        return;
      case 'image':
        this.push(mediaPart(block.source));
        return;
      case 'document':
        this.push(
          block.source.kind === 'text' ? { text: block.source.data } : mediaPart(block.source),
        );
        return;
      case 'tool_call': {
        const name = this.names.upstream(block.name);
        this.callNames.set(block.id, name);
        const own = stateForUpstream('gemini', block.providerState);
        if (own !== undefined) this.flushSignature();
        const args = isRecord(block.input) ? block.input : {};
        this.push({ functionCall: { id: block.id, name, args } }, own);
        return;
      }
      case 'tool_result': {
        const name =
          this.callNames.get(block.toolCallId) ??
          this.names.upstream(block.name ?? block.toolCallId);
        const texts: string[] = [];
        const media: GeminiPart[] = [];
        for (const item of block.content) {
          if (item.type === 'text') texts.push(item.text);
          else if (item.type === 'document' && item.source.kind === 'text')
            texts.push(item.source.data);
          else if (item.source.kind !== 'text') media.push(mediaPart(item.source));
        }
        const text = texts.join('\n');
        const response = block.isError === true ? { error: text } : { output: text };
        this.push({ functionResponse: { id: block.toolCallId, name, response } });
        for (const part of media) this.push(part);
        return;
      }
    }
  }

  /** The parts, with a signature nothing followed put on an empty text part (as Gemini does). */
  finish(): GeminiPart[] {
    this.flushSignature();
    return this.parts;
  }

  private push(part: GeminiPart, signature?: string): void {
    const attached = signature ?? this.pendingSignature;
    if (signature === undefined) this.pendingSignature = undefined;
    this.parts.push(attached !== undefined ? { ...part, thoughtSignature: attached } : part);
  }

  private flushSignature(): void {
    if (this.pendingSignature !== undefined) this.push({ text: '' });
  }
}

function toolNamesOf(request: IrRequest): string[] {
  const names = request.tools.map((tool) => tool.name);
  for (const message of request.messages) {
    for (const block of message.content) {
      if (block.type === 'tool_call') names.push(block.name);
      else if (block.type === 'tool_result' && block.name !== undefined) names.push(block.name);
    }
  }
  if (request.toolChoice?.type === 'tool') names.push(request.toolChoice.name);
  return names;
}

function thinkingConfig(
  reasoning: IrReasoningConfig,
  model: string,
  context: ConversionContext,
): GeminiThinkingConfig {
  const gemini3 = isGemini3Model(model);
  const pro = /pro/.test(model);
  if (reasoning.mode === 'off') {
    // Pro models cannot switch thinking off; the smallest setting is the closest we can get.
    if (pro) context.dropped('reasoning off (the model always thinks)');
    if (gemini3) return { thinkingLevel: pro ? 'LOW' : 'MINIMAL' };
    return { thinkingBudget: pro ? 128 : 0 };
  }
  const config: GeminiThinkingConfig = { includeThoughts: true };
  if (reasoning.mode === 'budget' && reasoning.budgetTokens !== undefined) {
    const budget = reasoning.budgetTokens;
    if (gemini3)
      config.thinkingLevel = budget <= 2048 ? 'LOW' : budget <= 16384 ? 'MEDIUM' : 'HIGH';
    else config.thinkingBudget = budget;
    return config;
  }
  const effort = reasoning.effort;
  if (gemini3 && effort !== undefined) {
    config.thinkingLevel =
      effort === 'minimal'
        ? 'MINIMAL'
        : effort === 'low'
          ? 'LOW'
          : effort === 'medium'
            ? 'MEDIUM'
            : 'HIGH';
  } else if (!gemini3) {
    config.thinkingBudget = -1;
  }
  return config;
}

function generationConfig(
  request: IrRequest,
  model: string,
  context: ConversionContext,
): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) {
    if (request.stopSequences.length > MAX_STOP_SEQUENCES)
      context.dropped('stop sequences beyond 5');
    config.stopSequences = request.stopSequences.slice(0, MAX_STOP_SEQUENCES);
  }
  if (request.responseSchema !== undefined) {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = cleanSchemaForGemini(request.responseSchema);
  }
  if (request.reasoning !== undefined) {
    config.thinkingConfig = thinkingConfig(request.reasoning, model, context);
  }
  return config;
}

function appendContent(contents: GeminiContent[], role: GeminiRole, parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const previous = contents[contents.length - 1];
  if (previous?.role === role) previous.parts.push(...parts);
  else contents.push({ role, parts });
}

/** Gemini 3 rejects a replayed model turn whose first function call has no signature. */
function signFirstCall(parts: GeminiPart[]): void {
  const first = parts.find((part) => part.functionCall !== undefined);
  if (first !== undefined && first.thoughtSignature === undefined) {
    first.thoughtSignature = SKIP_SIGNATURE;
  }
}

export function encodeGeminiRequest(
  request: IrRequest,
  context: ConversionContext,
): EncodedRequest {
  const model = bareModelName(request.model);
  const names = new GeminiToolNames(context, toolNamesOf(request));
  const callNames = new Map<string, string>();
  const system = request.system.map((block) => ({ text: block.text }));
  const contents: GeminiContent[] = [];

  for (const message of request.messages) {
    if (message.role === 'system') {
      if (contents.length > 0) context.dropped('mid-conversation system position');
      for (const block of message.content)
        if (block.type === 'text') system.push({ text: block.text });
      continue;
    }
    const builder = new PartsBuilder(names, callNames, context);
    for (const block of message.content) builder.add(block);
    const parts = builder.finish();
    const role: GeminiRole = message.role === 'assistant' ? 'model' : 'user';
    if (role === 'model' && isGemini3Model(model)) signFirstCall(parts);
    appendContent(contents, role, parts);
  }

  const body: GeminiRequestBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: names.upstream(tool.name),
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parametersJsonSchema: toolParametersForGemini(tool.inputSchema),
        })),
      },
    ];
  }
  const choice = request.toolChoice;
  if (choice !== undefined) {
    if (choice.type !== 'none' && choice.parallel === false)
      context.dropped('parallel tool calls off');
    body.toolConfig = {
      functionCallingConfig:
        choice.type === 'tool'
          ? { mode: 'ANY', allowedFunctionNames: [names.upstream(choice.name)] }
          : { mode: choice.type === 'auto' ? 'AUTO' : choice.type === 'any' ? 'ANY' : 'NONE' },
    };
  }
  const config = generationConfig(request, model, context);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (request.user !== undefined) context.dropped('end-user id');

  const method = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return { path: `models/${model}:${method}`, body };
}
