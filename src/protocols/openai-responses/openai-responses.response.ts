/** Non-streaming `response` objects: upstream answer → IR, IR → client answer. */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock } from '../ir/ir-content';
import { IrRequest } from '../ir/ir-request';
import { IrResponse, IrStopReason } from '../ir/ir-response';
import { toIrState } from '../ir/reasoning-state';
import { ConversionContext } from '../protocol-adapter';
import { decodeContent } from './openai-responses.content';
import {
  messageItem,
  parallelToolCalls,
  reasoningItem,
  responseObject,
  terminalStatus,
  toolCallItem,
  toolItemIdPrefix,
  unixSeconds,
} from './openai-responses.output-items';
import { flatNamespacedName, irToolName } from './openai-responses.tools';
import { usageFromResponses } from './openai-responses.usage';
import { ResponsesObject, ResponsesOutputItem } from './openai-responses.wire';

export interface DecodedOutputItem {
  block: IrContentBlock | null;
  refusal: boolean;
}

/** One upstream output item as an IR block; hosted-tool items and unknown ones give null. */
export function decodeOutputItem(item: unknown, context: ConversionContext): DecodedOutputItem {
  if (!isRecord(item)) return { block: null, refusal: false };
  switch (item.type) {
    case 'message': {
      const parts = Array.isArray(item.content) ? item.content : [];
      const refusal = parts.some((part) => isRecord(part) && part.type === 'refusal');
      const text = decodeContent(parts)
        .flatMap((block) => (block.type === 'text' ? [block.text] : []))
        .join('');
      return { block: { type: 'text', text }, refusal };
    }
    case 'function_call': {
      const rawName = stringOrNull(item.name) ?? '';
      const namespace = stringOrNull(item.namespace);
      const name = irToolName(
        context,
        namespace ? flatNamespacedName(namespace, rawName) : rawName,
      );
      return {
        block: {
          type: 'tool_call',
          id: stringOrNull(item.call_id) ?? stringOrNull(item.id) ?? context.newId('call_'),
          name,
          input: parseArguments(stringOrNull(item.arguments) ?? ''),
        },
        refusal: false,
      };
    }
    case 'reasoning':
      return { block: decodeReasoningItem(item), refusal: false };
    default:
      return { block: null, refusal: false };
  }
}

function decodeReasoningItem(item: Record<string, unknown>): IrContentBlock {
  const summary = decodeContent(item.summary);
  const texts = (summary.length > 0 ? summary : decodeContent(item.content)).flatMap((block) =>
    block.type === 'text' ? [block.text] : [],
  );
  const encrypted = stringOrNull(item.encrypted_content);
  const id = stringOrNull(item.id);
  return {
    type: 'reasoning',
    text: texts.join('\n\n'),
    ...(encrypted ? { providerState: toIrState('openai', encrypted) } : {}),
    ...(id ? { id } : {}),
  };
}

/** Parsed call arguments; broken JSON (a cut answer) becomes an empty object. */
export function parseArguments(json: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return {};
  }
}

/**
 * The IR stop reason of a finished response (protocols.md §C.1): tool calls win over the status,
 * as Responses has no "tool_use" status.
 */
export function stopReasonOf(
  status: string | null,
  incompleteReason: string | null,
  sawToolCall: boolean,
  sawRefusal: boolean,
): IrStopReason {
  if (status === 'incomplete') {
    return incompleteReason === 'content_filter' ? 'refusal' : 'max_tokens';
  }
  if (sawToolCall) return 'tool_use';
  return sawRefusal ? 'refusal' : 'end_turn';
}

export function incompleteReasonOf(response: Record<string, unknown>): string | null {
  const details = response.incomplete_details;
  return isRecord(details) ? stringOrNull(details.reason) : null;
}

export function decodeResponsesResponse(body: unknown, context: ConversionContext): IrResponse {
  if (!isRecord(body)) throw new Error('Upstream Responses answer is not a JSON object');
  const content: IrContentBlock[] = [];
  let sawRefusal = false;
  for (const item of Array.isArray(body.output) ? body.output : []) {
    const decoded = decodeOutputItem(item, context);
    if (decoded.block) content.push(decoded.block);
    sawRefusal ||= decoded.refusal;
  }
  return {
    id: stringOrNull(body.id) ?? context.newId('resp_'),
    model: stringOrNull(body.model) ?? '',
    content,
    stopReason: stopReasonOf(
      stringOrNull(body.status),
      incompleteReasonOf(body),
      content.some((block) => block.type === 'tool_call'),
      sawRefusal,
    ),
    usage: usageFromResponses(body.usage),
  };
}

export function encodeResponsesResponse(
  response: IrResponse,
  request: IrRequest,
  context: ConversionContext,
): ResponsesObject {
  const output: ResponsesOutputItem[] = [];
  for (const block of response.content) {
    switch (block.type) {
      case 'text':
        output.push(messageItem(context.newId('msg_'), block.text, 'completed'));
        break;
      case 'reasoning':
        output.push(
          reasoningItem(block.id ?? context.newId('rs_'), block.text, block.providerState),
        );
        break;
      case 'tool_call':
        if (block.providerState !== undefined) context.dropped('tool_call providerState');
        output.push(
          toolCallItem(
            request,
            context.newId(toolItemIdPrefix(request, block.name)),
            block.id,
            block.name,
            JSON.stringify(block.input ?? {}),
            'completed',
          ),
        );
        break;
      case 'image':
      case 'document':
      case 'tool_result':
        context.dropped(`${block.type} block in an answer`);
        break;
    }
  }
  const terminal = terminalStatus(response.stopReason);
  return responseObject({
    id: context.newId('resp_'),
    createdAt: unixSeconds(context.now()),
    model: response.model || request.model,
    status: terminal.status,
    incomplete: terminal.incomplete,
    output,
    usage: response.usage,
    parallelToolCalls: parallelToolCalls(request),
  });
}
