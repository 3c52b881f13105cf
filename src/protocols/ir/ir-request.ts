import { IrCacheHint, IrContentBlock, IrTextBlock } from './ir-content';

export type IrRole = 'user' | 'assistant' | 'system';

export interface IrMessage {
  /** `system` inside the conversation: Claude Code's mid-conversation system messages. */
  role: IrRole;
  content: IrContentBlock[];
}

export interface IrToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  inputSchema: Record<string, unknown>;
  cache?: IrCacheHint;
}

export type IrToolChoice =
  | { type: 'auto'; parallel?: boolean }
  | { type: 'any'; parallel?: boolean }
  | { type: 'tool'; name: string; parallel?: boolean }
  | { type: 'none' };

export interface IrReasoningConfig {
  /** Off, on with a token budget, or on at an effort level (the upstream picks the budget). */
  mode: 'off' | 'budget' | 'effort';
  budgetTokens?: number;
  effort?: 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
}

/** A generation request in protocol-neutral form. */
export interface IrRequest {
  model: string;
  /** The leading system prompt (Anthropic `system`, OpenAI system/developer, Gemini systemInstruction). */
  system: IrTextBlock[];
  messages: IrMessage[];
  tools: IrToolDefinition[];
  toolChoice?: IrToolChoice;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  reasoning?: IrReasoningConfig;
  stream: boolean;
  /** Structured output: a JSON schema the answer must follow. */
  responseSchema?: Record<string, unknown>;
  /** End-user id for the upstream's abuse tracking (Anthropic metadata.user_id, OpenAI user). */
  user?: string;
}
