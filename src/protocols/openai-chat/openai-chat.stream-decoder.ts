/**
 * Upstream Chat Completions SSE into IR stream events (protocols.md §C.3 state machine).
 *
 * Blocks are emitted one at a time. Tool calls are keyed by their wire `index`; the call whose
 * block is open streams its argument fragments live. A call that starts while another call's
 * block is still open is buffered (Chat may interleave fragments of parallel calls, and an IR block
 * cannot be reopened once stopped), and is emitted whole, in order of appearance, as soon as the
 * open call's block closes (at `finish_reason`, at text/reasoning, or at the end).
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrStopReason } from '../ir/ir-response';
import { IrStreamEvent } from '../ir/ir-stream';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { ConversionContext, StreamDecoder } from '../protocol-adapter';
import { SseEvent } from '../sse/sse-parser';
import { decodeChatStreamError } from './openai-chat.errors';
import { reasoningText } from './openai-chat.response';
import { clientToolName } from './openai-chat.tool-names';
import { stopReasonFromChat, usageFromChat } from './openai-chat.usage';

interface ToolCallState {
  id: string;
  name: string;
  /** IR block index once its block has started; null while the call is buffered. */
  blockIndex: number | null;
  /** Argument text received while the call's block was not open. */
  pendingArgs: string;
}

type OpenBlock =
  | { kind: 'none' }
  | { kind: 'text'; index: number }
  | { kind: 'reasoning'; index: number }
  | { kind: 'tool'; index: number; call: ToolCallState };

type Phase =
  /** No chunk yet: `start` not emitted. */
  | 'waiting'
  | 'streaming'
  /** `finish` (or `error`) emitted: everything after is ignored. */
  | 'done';

export class ChatStreamDecoder implements StreamDecoder {
  private phase: Phase = 'waiting';
  private nextBlockIndex = 0;
  private open: OpenBlock = { kind: 'none' };
  /** The current call of each wire index. */
  private readonly callsByWireIndex = new Map<number, ToolCallState>();
  /** Every call, in order of first appearance. */
  private readonly calls: ToolCallState[] = [];
  private finishReason: string | null = null;
  private finishSeen = false;
  private refusalSeen = false;
  private usage: IrUsage | null = null;
  /** A usage object arrived in the finish chunk or after it: nothing else is expected. */
  private finalUsageSeen = false;

  constructor(private readonly context: ConversionContext) {}

  push(event: SseEvent): IrStreamEvent[] {
    if (this.phase === 'done') return [];
    const data = event.data.trim();
    if (data === '[DONE]') return this.complete();
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return []; // keep-alive or garbage between chunks
    }
    if (!isRecord(chunk)) return [];
    const out: IrStreamEvent[] = [];
    if (event.event === 'error' || chunk.error !== undefined) {
      this.phase = 'done';
      out.push({ type: 'error', ...decodeChatStreamError(chunk) });
      return out;
    }
    if (this.phase === 'waiting') {
      this.phase = 'streaming';
      const id = stringOrNull(chunk.id);
      out.push({
        type: 'start',
        id: id === null || id === '' ? this.context.newId('chatcmpl-') : id,
        model: stringOrNull(chunk.model) ?? '',
      });
    }
    const choice = firstChoice(chunk.choices);
    if (choice) this.onChoice(choice, out);
    if (isRecord(chunk.usage)) {
      this.usage = usageFromChat(chunk.usage);
      if (this.finishSeen) this.finalUsageSeen = true;
    }
    if (this.finishSeen && this.finalUsageSeen) out.push(...this.complete());
    return out;
  }

  /** A cut stream stays unfinished unless its `finish_reason` was already seen. */
  end(): IrStreamEvent[] {
    return this.phase === 'streaming' && this.finishSeen ? this.complete() : [];
  }

  private onChoice(choice: Record<string, unknown>, out: IrStreamEvent[]): void {
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const thinking = reasoningText(delta);
    if (thinking !== null) {
      const index = this.ensureOpen('reasoning', out);
      out.push({ type: 'reasoning_delta', index, text: thinking });
    }
    const content = stringOrNull(delta.content);
    if (content !== null && content !== '') {
      out.push({ type: 'text_delta', index: this.ensureOpen('text', out), text: content });
    }
    const refusal = stringOrNull(delta.refusal);
    if (refusal !== null && refusal !== '') {
      this.refusalSeen = true;
      out.push({ type: 'text_delta', index: this.ensureOpen('text', out), text: refusal });
    }
    if (Array.isArray(delta.tool_calls)) {
      (delta.tool_calls as unknown[]).forEach((fragment, position) => {
        if (isRecord(fragment)) this.onToolFragment(fragment, position, out);
      });
    }
    const finishReason = stringOrNull(choice.finish_reason);
    if (finishReason !== null && finishReason !== '') {
      this.closeOpen(out);
      this.finishReason = finishReason;
      this.finishSeen = true;
    }
  }

  private onToolFragment(
    fragment: Record<string, unknown>,
    position: number,
    out: IrStreamEvent[],
  ): void {
    const wireIndex = Number.isInteger(fragment.index) ? Number(fragment.index) : position;
    const fn = isRecord(fragment.function) ? fragment.function : {};
    const id = stringOrNull(fragment.id);
    let call = this.callsByWireIndex.get(wireIndex);
    // Some compatible providers number every call 0 and tell them apart by id only.
    if (!call || (id !== null && id !== '' && id !== call.id)) {
      call = {
        id: id === null || id === '' ? this.context.newId('call_') : id,
        name: clientToolName(this.context, stringOrNull(fn.name) ?? ''),
        blockIndex: null,
        pendingArgs: '',
      };
      this.callsByWireIndex.set(wireIndex, call);
      this.calls.push(call);
      if (this.open.kind !== 'tool') {
        this.closeOpen(out);
        this.startCall(call, out);
      }
    }
    const args = stringOrNull(fn.arguments);
    if (args === null || args === '') return;
    if (this.open.kind === 'tool' && this.open.call === call) {
      out.push({ type: 'tool_args_delta', index: this.open.index, json: args });
    } else if (call.blockIndex === null) {
      call.pendingArgs += args;
    }
    // else: a fragment for a call whose block is already closed cannot be placed; dropped.
  }

  private startCall(call: ToolCallState, out: IrStreamEvent[]): number {
    const index = this.nextBlockIndex++;
    call.blockIndex = index;
    out.push({
      type: 'block_start',
      index,
      block: { kind: 'tool_call', id: call.id, name: call.name },
    });
    if (call.pendingArgs !== '') {
      out.push({ type: 'tool_args_delta', index, json: call.pendingArgs });
      call.pendingArgs = '';
    }
    this.open = { kind: 'tool', index, call };
    return index;
  }

  /** The index of an open block of `kind`, closing whatever else was open first. */
  private ensureOpen(kind: 'text' | 'reasoning', out: IrStreamEvent[]): number {
    if (this.open.kind === kind) return this.open.index;
    this.closeOpen(out);
    const index = this.nextBlockIndex++;
    out.push({ type: 'block_start', index, block: { kind } });
    this.open = { kind, index };
    return index;
  }

  /** Stops the open block; closing a tool block releases the buffered calls, whole and in order. */
  private closeOpen(out: IrStreamEvent[]): void {
    if (this.open.kind === 'none') return;
    const wasTool = this.open.kind === 'tool';
    out.push({ type: 'block_stop', index: this.open.index });
    this.open = { kind: 'none' };
    if (!wasTool) return;
    for (const call of this.calls) {
      if (call.blockIndex !== null) continue;
      const index = this.startCall(call, out);
      out.push({ type: 'block_stop', index });
      this.open = { kind: 'none' };
    }
  }

  /** Closes everything and emits `finish` with the usage seen so far. */
  private complete(): IrStreamEvent[] {
    if (this.phase !== 'streaming') {
      this.phase = 'done';
      return [];
    }
    this.phase = 'done';
    const out: IrStreamEvent[] = [];
    this.closeOpen(out);
    let stopReason: IrStopReason = stopReasonFromChat(this.finishReason, this.calls.length > 0);
    if (stopReason === 'end_turn' && this.refusalSeen) stopReason = 'refusal';
    out.push({ type: 'finish', stopReason, usage: this.usage ?? emptyUsage() });
    return out;
  }
}

/** The choice with index 0 (the request never asks for more than one). */
function firstChoice(choices: unknown): Record<string, unknown> | null {
  if (!Array.isArray(choices)) return null;
  const records = (choices as unknown[]).filter(isRecord);
  return records.find((choice) => choice.index === 0 || choice.index === undefined) ?? null;
}
