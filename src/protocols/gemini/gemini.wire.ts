/**
 * Gemini API (Generative Language `v1beta`) wire shapes, REST camelCase, as this adapter writes
 * them. Reading goes through `json-narrowing` instead: bodies from clients and upstreams are
 * untrusted and only the fields below are interpreted (see protocols.md §B.4).
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';

export type GeminiRole = 'user' | 'model';

export interface GeminiFunctionCall {
  id?: string;
  name: string;
  args: unknown;
}

export interface GeminiFunctionResponse {
  id?: string;
  name: string;
  response: Record<string, unknown>;
}

/** One part: exactly one data field, plus the optional `thought` / `thoughtSignature` flags. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export interface GeminiContent {
  role: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema: Record<string, unknown>;
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: {
    functionCallingConfig: { mode: GeminiFunctionCallingMode; allowedFunctionNames?: string[] };
  };
  generationConfig?: GeminiGenerationConfig;
}

export interface GeminiUsageMetadata {
  promptTokenCount: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount: number;
  thoughtsTokenCount?: number;
  totalTokenCount: number;
}

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY';

export interface GeminiCandidate {
  content: GeminiContent;
  finishReason?: GeminiFinishReason;
  index: 0;
}

/** A whole answer, or one stream chunk (chunks carry only their new parts). */
export interface GeminiResponseBody {
  candidates: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion: string;
  responseId: string;
}

/** `models/gemini-2.5-pro` and `gemini-2.5-pro` name the same model; the bare form is canonical. */
export function bareModelName(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/** Gemini 3 models take `thinkingLevel` and want a signature on replayed function calls. */
export function isGemini3Model(model: string): boolean {
  return /(^|\/)gemini-3/.test(model);
}

/** A part's `thoughtSignature` when it is a non-empty string. */
export function partSignature(part: Record<string, unknown>): string | null {
  const signature = stringOrNull(part.thoughtSignature);
  return signature !== null && signature.length > 0 ? signature : null;
}

/** The parts of the first candidate of a response or chunk (empty when there are none). */
export function firstCandidate(body: Record<string, unknown>): {
  parts: Record<string, unknown>[];
  finishReason: string | null;
} {
  const candidates = body.candidates;
  const candidate = Array.isArray(candidates) ? (candidates[0] as unknown) : undefined;
  if (!isRecord(candidate)) return { parts: [], finishReason: null };
  const content = candidate.content;
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
  return {
    parts: parts.filter((part): part is Record<string, unknown> => isRecord(part)),
    finishReason: stringOrNull(candidate.finishReason),
  };
}

/** `promptFeedback.blockReason` of a response whose prompt was blocked, else null. */
export function promptBlockReason(body: Record<string, unknown>): string | null {
  const feedback = body.promptFeedback;
  return isRecord(feedback) ? stringOrNull(feedback.blockReason) : null;
}
