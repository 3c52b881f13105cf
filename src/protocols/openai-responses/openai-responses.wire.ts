/**
 * Wire shapes of the OpenAI Responses API (`POST /v1/responses`) as this adapter writes them.
 * Reading goes through `json-narrowing` instead: input is untrusted and often partial.
 */

export interface ResponsesInputText {
  type: 'input_text';
  text: string;
}

export interface ResponsesInputImage {
  type: 'input_image';
  image_url: string;
  detail: 'auto' | 'low' | 'high';
}

export interface ResponsesInputFile {
  type: 'input_file';
  filename?: string;
  file_data?: string;
  file_url?: string;
}

export type ResponsesInputContent = ResponsesInputText | ResponsesInputImage | ResponsesInputFile;

export interface ResponsesOutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
}

export interface ResponsesSummaryText {
  type: 'summary_text';
  text: string;
}

export interface ResponsesMessageInputItem {
  type: 'message';
  role: 'user' | 'developer';
  content: ResponsesInputContent[];
}

export interface ResponsesAssistantInputItem {
  type: 'message';
  role: 'assistant';
  content: ResponsesOutputText[];
}

export interface ResponsesMessageItem {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: ResponsesOutputText[];
}

export interface ResponsesFunctionCallItem {
  type: 'function_call';
  id?: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
  call_id: string;
  name: string;
  /** Codex: the `namespace` tool the function belongs to. */
  namespace?: string;
  arguments: string;
}

export interface ResponsesCustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  status: 'in_progress' | 'completed';
  call_id: string;
  name: string;
  input: string;
}

export interface ResponsesFunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string | ResponsesInputContent[];
}

export interface ResponsesReasoningItem {
  type: 'reasoning';
  id?: string;
  summary: ResponsesSummaryText[];
  encrypted_content?: string | null;
}

/** Items of a request's `input` array, as the upstream encoder writes them. */
export type ResponsesInputItem =
  | ResponsesMessageInputItem
  | ResponsesAssistantInputItem
  | ResponsesFunctionCallItem
  | ResponsesFunctionCallOutputItem
  | ResponsesReasoningItem;

/** Items of a response's `output` array, as the client encoders write them. */
export type ResponsesOutputItem =
  | ResponsesMessageItem
  | ResponsesFunctionCallItem
  | ResponsesCustomToolCallItem
  | ResponsesReasoningItem;

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  strict: boolean;
}

export type ResponsesToolChoice = 'auto' | 'required' | 'none' | { type: 'function'; name: string };

export interface ResponsesRequestBody {
  model: string;
  instructions?: string;
  input: ResponsesInputItem[];
  tools?: ResponsesFunctionTool[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean;
  max_output_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning?: { effort: string; summary: 'auto' };
  include?: string[];
  text?: {
    format: { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean };
  };
  user?: string;
  store: false;
  stream: boolean;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponsesStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponsesErrorObject {
  code: string;
  message: string;
}

export interface ResponsesObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponsesStatus;
  error: ResponsesErrorObject | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  store: false;
  tool_choice: 'auto';
  tools: [];
  usage: ResponsesUsage | null;
  metadata: Record<string, never>;
}

/** OpenAI's error envelope (same as Chat Completions). */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The prefix Codex-style namespaced tools are flattened with: `<namespace>__<function>`. */
export const NAMESPACE_SEPARATOR = '__';
