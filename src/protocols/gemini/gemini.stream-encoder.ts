/**
 * IR events → Gemini client SSE: one `data: <GenerateContentResponse>` frame per emitted part,
 * each ending with the blank line the Gemini SDK needs (protocols.md §0.5, §C.5).
 *
 * - text deltas become text parts; reasoning deltas become `thought: true` parts (Gemini CLI shows
 *   them, then drops them from history);
 * - reasoning state is held and attached as `thoughtSignature` to the next non-thought part (the
 *   CLI echoes those), or to an empty text part when nothing follows;
 * - a tool call is buffered and emitted whole, as one functionCall part, at its block_stop;
 * - the finish event writes the last frame, with `finishReason` and `usageMetadata`.
 *
 * State machine: `open` → `finished` (finish event) or `failed` (error event / fail()); nothing
 * is written after either. `finish()` adds nothing: a stream without a finish event is left
 * without a finishReason, which Gemini clients treat as a broken stream and retry.
 */
import { isRecord } from '../common/json-narrowing';
import { IrRequest } from '../ir/ir-request';
import { IrStreamEvent } from '../ir/ir-stream';
import { IrUsage } from '../ir/ir-usage';
import { stateForClient } from '../ir/reasoning-state';
import { ConversionContext, StreamEncoder } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import { geminiStreamErrorFrame } from './gemini.errors';
import { finishReasonToGemini } from './gemini.response';
import { usageToGemini } from './gemini.usage';
import { GeminiFinishReason, GeminiPart, GeminiResponseBody } from './gemini.wire';

interface BufferedCall {
  id: string;
  name: string;
  /** The client-form signature of the call itself. */
  signature?: string;
  json: string;
}

export class GeminiStreamEncoder implements StreamEncoder {
  private phase: 'open' | 'finished' | 'failed' = 'open';
  private responseId: string | null = null;
  private model: string;
  private pendingSignature: string | undefined;
  private readonly calls = new Map<number, BufferedCall>();

  constructor(
    request: IrRequest,
    private readonly context: ConversionContext,
  ) {
    this.model = request.model;
  }

  encode(event: IrStreamEvent): string {
    if (this.phase !== 'open') return '';
    switch (event.type) {
      case 'start':
        this.responseId = event.id;
        if (event.model.length > 0) this.model = event.model;
        return '';
      case 'block_start':
        if (event.block.kind === 'tool_call') {
          const { id, name, providerState } = event.block;
          const signature =
            providerState !== undefined ? stateForClient('gemini', providerState) : undefined;
          this.calls.set(event.index, { id, name, signature, json: '' });
          return '';
        }
        if (event.block.kind === 'reasoning' && event.block.providerState !== undefined) {
          return this.holdSignature(event.block.providerState);
        }
        return '';
      case 'text_delta':
        return event.text.length > 0 ? this.frame([this.signed({ text: event.text })]) : '';
      case 'reasoning_delta':
        return event.text.length > 0 ? this.frame([{ text: event.text, thought: true }]) : '';
      case 'reasoning_state':
        return this.holdSignature(event.state);
      case 'tool_args_delta': {
        const call = this.calls.get(event.index);
        if (call !== undefined) call.json += event.json;
        return '';
      }
      case 'block_stop':
        return this.emitCall(event.index);
      case 'usage':
        // Mid-stream usage is not sent: the finish event carries the final numbers.
        return '';
      case 'finish': {
        const parts = [this.signed({ text: '' })];
        this.phase = 'finished';
        return this.frame(parts, finishReasonToGemini(event.stopReason), event.usage);
      }
      case 'error':
        return this.fail(event.status, event.errorType, event.message);
    }
  }

  finish(): string {
    return '';
  }

  fail(status: number, errorType: string, message: string): string {
    if (this.phase === 'failed') return '';
    this.phase = 'failed';
    return geminiStreamErrorFrame(status, errorType, message);
  }

  /** Holds a signature for the next part; one already held goes out first on an empty part. */
  private holdSignature(irState: string): string {
    const flushed =
      this.pendingSignature !== undefined ? this.frame([this.signed({ text: '' })]) : '';
    this.pendingSignature = stateForClient('gemini', irState);
    return flushed;
  }

  /** The part with the held signature attached (which is then spent). */
  private signed(part: GeminiPart): GeminiPart {
    const signature = this.pendingSignature;
    if (signature === undefined) return part;
    this.pendingSignature = undefined;
    return { ...part, thoughtSignature: signature };
  }

  private emitCall(index: number): string {
    const call = this.calls.get(index);
    if (call === undefined) return '';
    this.calls.delete(index);
    let args: unknown = {};
    try {
      args = call.json.trim().length > 0 ? JSON.parse(call.json) : {};
    } catch {
      this.context.dropped('unparseable tool call arguments');
    }
    const part: GeminiPart = {
      functionCall: { id: call.id, name: call.name, args: isRecord(args) ? args : {} },
    };
    const parts: GeminiPart[] = [];
    if (call.signature !== undefined) {
      if (this.pendingSignature !== undefined) parts.push(this.signed({ text: '' }));
      parts.push({ ...part, thoughtSignature: call.signature });
    } else {
      parts.push(this.signed(part));
    }
    return this.frame(parts);
  }

  private frame(parts: GeminiPart[], finishReason?: GeminiFinishReason, usage?: IrUsage): string {
    this.responseId ??= this.context.newId('resp_');
    const body: GeminiResponseBody = {
      candidates: [
        {
          content: { role: 'model', parts },
          ...(finishReason !== undefined ? { finishReason } : {}),
          index: 0,
        },
      ],
      ...(usage !== undefined ? { usageMetadata: usageToGemini(usage) } : {}),
      modelVersion: this.model,
      responseId: this.responseId,
    };
    return formatSseEvent(undefined, JSON.stringify(body));
  }
}
