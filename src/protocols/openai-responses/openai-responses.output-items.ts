/** Builders of the `output` items and `response` object a Responses client receives. */
import { isRecord } from '../common/json-narrowing';
import { IrStopReason } from '../ir/ir-response';
import { IrRequest } from '../ir/ir-request';
import { IrUsage } from '../ir/ir-usage';
import { stateForClient } from '../ir/reasoning-state';
import { clientToolCallName } from './openai-responses.tools';
import { usageToResponses } from './openai-responses.usage';
import {
  ResponsesCustomToolCallItem,
  ResponsesErrorObject,
  ResponsesFunctionCallItem,
  ResponsesMessageItem,
  ResponsesObject,
  ResponsesOutputItem,
  ResponsesReasoningItem,
  ResponsesStatus,
} from './openai-responses.wire';

export function messageItem(
  id: string,
  text: string,
  status: 'in_progress' | 'completed',
): ResponsesMessageItem {
  return {
    type: 'message',
    id,
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
  };
}

export function reasoningItem(
  id: string,
  text: string,
  irState: string | undefined,
): ResponsesReasoningItem {
  return {
    type: 'reasoning',
    id,
    summary: text !== '' ? [{ type: 'summary_text', text }] : [],
    // Another family's state goes out as its envelope; the client echoes it back next turn.
    encrypted_content: irState !== undefined ? stateForClient('openai', irState) : null,
  };
}

/** The id prefix of a tool call's output item: `ctc_` for freeform calls, `fc_` otherwise. */
export function toolItemIdPrefix(request: IrRequest, irName: string): string {
  return clientToolCallName(request, irName).custom ? 'ctc_' : 'fc_';
}

/** A tool call named the client's way: namespaced function, custom tool, or plain function. */
export function toolCallItem(
  request: IrRequest,
  itemId: string,
  callId: string,
  irName: string,
  argumentsJson: string,
  status: 'in_progress' | 'completed',
): ResponsesFunctionCallItem | ResponsesCustomToolCallItem {
  const naming = clientToolCallName(request, irName);
  if (naming.custom) {
    return {
      type: 'custom_tool_call',
      id: itemId,
      status,
      call_id: callId,
      name: naming.name,
      input: status === 'completed' ? customInput(argumentsJson) : '',
    };
  }
  return {
    type: 'function_call',
    id: itemId,
    status,
    call_id: callId,
    name: naming.name,
    ...(naming.namespace !== undefined ? { namespace: naming.namespace } : {}),
    arguments: argumentsJson,
  };
}

/** The raw text of a custom tool call, carried in the IR as `{"input": "…"}`. */
function customInput(argumentsJson: string): string {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    if (isRecord(parsed) && 'input' in parsed) {
      const input = parsed.input;
      return typeof input === 'string' ? input : JSON.stringify(input);
    }
  } catch {
    // fall through: pass the raw text
  }
  return argumentsJson;
}

/** The terminal status of a stop reason (protocols.md §C.1). */
export function terminalStatus(stopReason: IrStopReason): {
  status: ResponsesStatus;
  incomplete: ResponsesObject['incomplete_details'];
} {
  switch (stopReason) {
    case 'max_tokens':
    case 'context_window_exceeded':
      return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
    case 'refusal':
      return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
      return { status: 'completed', incomplete: null };
  }
}

export interface ResponseShape {
  id: string;
  createdAt: number;
  model: string;
  status: ResponsesStatus;
  output: ResponsesOutputItem[];
  usage?: Partial<IrUsage>;
  incomplete?: ResponsesObject['incomplete_details'];
  error?: ResponsesErrorObject;
  parallelToolCalls: boolean;
}

export function responseObject(shape: ResponseShape): ResponsesObject {
  return {
    id: shape.id,
    object: 'response',
    created_at: shape.createdAt,
    status: shape.status,
    error: shape.error ?? null,
    incomplete_details: shape.incomplete ?? null,
    model: shape.model,
    output: shape.output,
    parallel_tool_calls: shape.parallelToolCalls,
    previous_response_id: null,
    store: false,
    tool_choice: 'auto',
    tools: [],
    usage: shape.usage !== undefined ? usageToResponses(shape.usage) : null,
    metadata: {},
  };
}

export function parallelToolCalls(request: IrRequest): boolean {
  const choice = request.toolChoice;
  return !(choice && 'parallel' in choice && choice.parallel === false);
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
