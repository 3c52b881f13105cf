/**
 * Non-streaming answers: Gemini `GenerateContentResponse` ↔ IR response, and the finish-reason
 * mapping shared with the streams (protocols.md §C.1).
 *
 * Only the first candidate is read (clients never ask for more). Safety ratings, citation
 * metadata, `finishMessage`, grounding and generated media are dropped.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock } from '../ir/ir-content';
import { IrRequest } from '../ir/ir-request';
import { IrResponse, IrStopReason } from '../ir/ir-response';
import { stateForClient } from '../ir/reasoning-state';
import { ConversionContext } from '../protocol-adapter';
import { appendModelPart, PartReader } from './gemini.parts';
import { clientToolName } from './gemini.tool-names';
import { usageFromGemini, usageToGemini } from './gemini.usage';
import {
  firstCandidate,
  GeminiFinishReason,
  GeminiPart,
  GeminiResponseBody,
  promptBlockReason,
} from './gemini.wire';

/** Finish reasons that mean the answer was withheld or cut for policy reasons. */
const REFUSALS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini ends a function-calling turn with `STOP`, so a tool call in the output decides
 * `tool_use`. Malformed/unexpected tool calls, `OTHER`, `LANGUAGE` and unknown values end the turn.
 */
export function stopReasonFromGemini(
  finishReason: string | null,
  sawToolCall: boolean,
): IrStopReason {
  if (sawToolCall) return 'tool_use';
  if (finishReason === 'MAX_TOKENS') return 'max_tokens';
  if (finishReason !== null && REFUSALS.has(finishReason)) return 'refusal';
  return 'end_turn';
}

export function finishReasonToGemini(stopReason: IrStopReason): GeminiFinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'context_window_exceeded':
      return 'MAX_TOKENS';
    case 'refusal':
      return 'SAFETY';
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
      return 'STOP';
  }
}

/** Reads function calls of an upstream answer: the part's id when it has one, else a fresh id. */
export function upstreamPartReader(context: ConversionContext): PartReader {
  return {
    callId: (call) => {
      const id = stringOrNull(call.id);
      return id !== null && id.length > 0 ? id : context.newId('call_');
    },
    toolName: (name) => clientToolName(context, name),
  };
}

export function decodeGeminiResponse(body: unknown, context: ConversionContext): IrResponse {
  if (!isRecord(body)) throw new Error('Gemini answer is not a JSON object');
  const { parts, finishReason } = firstCandidate(body);
  const reader = upstreamPartReader(context);
  const blocks: IrContentBlock[] = [];
  let sawToolCall = false;
  for (const part of parts) if (appendModelPart(blocks, part, reader)) sawToolCall = true;

  const content = blocks.filter(
    (block) => block.type === 'text' || block.type === 'reasoning' || block.type === 'tool_call',
  );
  if (content.length < blocks.length) context.dropped('generated media');
  const blocked = promptBlockReason(body) !== null && parts.length === 0;
  return {
    id: stringOrNull(body.responseId) ?? context.newId('resp_'),
    model: stringOrNull(body.modelVersion) ?? '',
    content,
    stopReason: blocked ? 'refusal' : stopReasonFromGemini(finishReason, sawToolCall),
    usage: usageFromGemini(body.usageMetadata),
  };
}

/**
 * IR answer blocks as Gemini client parts. Reasoning text becomes `thought: true` parts (Gemini
 * CLI shows them and drops them from history); a reasoning signature goes on the next non-thought
 * part, which the CLI does echo, or on a trailing empty text part.
 */
export function clientParts(blocks: IrContentBlock[]): GeminiPart[] {
  const parts: GeminiPart[] = [];
  let pending: string | undefined;
  const push = (part: GeminiPart, own?: string): void => {
    if (own !== undefined && pending !== undefined) push({ text: '' });
    const signature = own ?? pending;
    if (own === undefined) pending = undefined;
    parts.push(signature !== undefined ? { ...part, thoughtSignature: signature } : part);
  };
  for (const block of blocks) {
    if (block.type === 'reasoning') {
      if (block.text.length > 0) parts.push({ text: block.text, thought: true });
      if (block.providerState === undefined) continue;
      if (pending !== undefined) push({ text: '' });
      pending = stateForClient('gemini', block.providerState);
    } else if (block.type === 'text') {
      if (block.text.length > 0) push({ text: block.text });
    } else if (block.type === 'tool_call') {
      const own =
        block.providerState !== undefined
          ? stateForClient('gemini', block.providerState)
          : undefined;
      const args = isRecord(block.input) ? block.input : {};
      push({ functionCall: { id: block.id, name: block.name, args } }, own);
    }
  }
  if (pending !== undefined) push({ text: '' });
  return parts;
}

export function encodeGeminiResponse(response: IrResponse, request: IrRequest): GeminiResponseBody {
  return {
    candidates: [
      {
        content: { role: 'model', parts: clientParts(response.content) },
        finishReason: finishReasonToGemini(response.stopReason),
        index: 0,
      },
    ],
    usageMetadata: usageToGemini(response.usage),
    modelVersion: response.model.length > 0 ? response.model : request.model,
    responseId: response.id,
  };
}
