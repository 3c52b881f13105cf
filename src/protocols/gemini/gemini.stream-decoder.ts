/**
 * Gemini SSE (`data: <GenerateContentResponse>` chunks, no event names, no `[DONE]`) → IR events.
 *
 * State machine: `streaming` (at most one text or reasoning block open) → `done` after the chunk
 * with a finishReason (or a blocked prompt) or an in-band error; frames after that are ignored.
 * Function calls arrive whole, so each one is a complete block_start / one tool_args_delta /
 * block_stop sequence. `usageMetadata` is cumulative: the last one seen is the answer's usage, and
 * a `usage` event is emitted whenever it changes so a cut stream still meters what it saw.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrStreamEvent } from '../ir/ir-stream';
import { IrUsage } from '../ir/ir-usage';
import { toIrState } from '../ir/reasoning-state';
import { ConversionContext, StreamDecoder } from '../protocol-adapter';
import { SseEvent } from '../sse/sse-parser';
import { decodeGeminiError } from './gemini.errors';
import { PartReader } from './gemini.parts';
import { stopReasonFromGemini, upstreamPartReader } from './gemini.response';
import { usageFromGemini } from './gemini.usage';
import { firstCandidate, partSignature, promptBlockReason } from './gemini.wire';

type OpenBlock = { kind: 'text' | 'reasoning'; index: number } | null;

export class GeminiStreamDecoder implements StreamDecoder {
  private phase: 'idle' | 'streaming' | 'done' = 'idle';
  private open: OpenBlock = null;
  private nextIndex = 0;
  private sawToolCall = false;
  private usage: IrUsage | null = null;
  private usageJson = '';
  private readonly reader: PartReader;

  constructor(private readonly context: ConversionContext) {
    this.reader = upstreamPartReader(context);
  }

  push(event: SseEvent): IrStreamEvent[] {
    if (this.phase === 'done') return [];
    const data = event.data.trim();
    if (data.length === 0) return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return this.fail(502, 'api_error', 'Malformed chunk in the Gemini stream');
    }
    if (!isRecord(chunk)) return [];
    if (isRecord(chunk.error)) {
      const error = decodeGeminiError(200, chunk);
      return this.fail(error.status, error.errorType, error.message);
    }

    const out: IrStreamEvent[] = [];
    if (this.phase === 'idle') {
      this.phase = 'streaming';
      const start: IrStreamEvent = {
        type: 'start',
        id: stringOrNull(chunk.responseId) ?? this.context.newId('resp_'),
        model: stringOrNull(chunk.modelVersion) ?? '',
      };
      if (isRecord(chunk.usageMetadata)) {
        const { inputTokens, cacheReadTokens } = usageFromGemini(chunk.usageMetadata);
        start.usage = { inputTokens, cacheReadTokens };
      }
      out.push(start);
    }
    const { parts, finishReason } = firstCandidate(chunk);
    for (const part of parts) this.part(part, out);
    this.takeUsage(chunk.usageMetadata, out);

    const blocked = promptBlockReason(chunk) !== null && parts.length === 0;
    if (finishReason !== null || blocked) {
      this.closeBlock(out);
      out.push({
        type: 'finish',
        stopReason: blocked ? 'refusal' : stopReasonFromGemini(finishReason, this.sawToolCall),
        usage: this.usage ?? usageFromGemini(undefined),
      });
      this.phase = 'done';
    }
    return out;
  }

  /** A stream cut before its finishReason stays unfinished: nothing is made up here. */
  end(): IrStreamEvent[] {
    return [];
  }

  private part(part: Record<string, unknown>, out: IrStreamEvent[]): void {
    const signature = partSignature(part);
    const call = part.functionCall;
    if (isRecord(call)) {
      this.closeBlock(out);
      const index = this.nextIndex++;
      const wireName = stringOrNull(call.name) ?? '';
      out.push({
        type: 'block_start',
        index,
        block: {
          kind: 'tool_call',
          id: this.reader.callId(call, wireName),
          name: this.reader.toolName(wireName),
          ...(signature !== null ? { providerState: toIrState('gemini', signature) } : {}),
        },
      });
      const args = isRecord(call.args) ? call.args : {};
      out.push({ type: 'tool_args_delta', index, json: JSON.stringify(args) });
      out.push({ type: 'block_stop', index });
      this.sawToolCall = true;
      return;
    }

    const text = stringOrNull(part.text);
    if (text !== null && part.thought === true) {
      const index = this.openBlock('reasoning', out);
      if (text.length > 0) out.push({ type: 'reasoning_delta', index, text });
      if (signature !== null) {
        out.push({ type: 'reasoning_state', index, state: toIrState('gemini', signature) });
        this.closeBlock(out);
      }
      return;
    }
    if (signature !== null) {
      // The signature of a non-thought part: a reasoning block right before that part's block.
      const index = this.openBlock('reasoning', out);
      out.push({ type: 'reasoning_state', index, state: toIrState('gemini', signature) });
      this.closeBlock(out);
    }
    if (text !== null && text.length > 0) {
      const index = this.openBlock('text', out);
      out.push({ type: 'text_delta', index, text });
    }
    // Media and code-execution parts have no place in a streamed IR answer: skipped.
  }

  /** The index of the open block of `kind`, opening it (and closing another) when needed. */
  private openBlock(kind: 'text' | 'reasoning', out: IrStreamEvent[]): number {
    if (this.open?.kind === kind) return this.open.index;
    this.closeBlock(out);
    const index = this.nextIndex++;
    this.open = { kind, index };
    out.push({ type: 'block_start', index, block: { kind } });
    return index;
  }

  private closeBlock(out: IrStreamEvent[]): void {
    if (this.open === null) return;
    out.push({ type: 'block_stop', index: this.open.index });
    this.open = null;
  }

  private takeUsage(metadata: unknown, out: IrStreamEvent[]): void {
    if (!isRecord(metadata)) return;
    const usage = usageFromGemini(metadata);
    const json = JSON.stringify(usage);
    if (json === this.usageJson) return;
    this.usage = usage;
    this.usageJson = json;
    out.push({ type: 'usage', usage });
  }

  private fail(status: number, errorType: string, message: string): IrStreamEvent[] {
    this.phase = 'done';
    return [{ type: 'error', status, errorType, message }];
  }
}
