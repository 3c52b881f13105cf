/**
 * Upstream side: Responses SSE → IR stream events (protocols.md §B.3, §C.4 "Stream: Responses
 * upstream"). One IR block is open at a time; an output item is a block. Deltas are forwarded as
 * they come; `output_item.done` fills in whatever the deltas did not carry (a proxy that sends
 * only finished items still yields full blocks) and delivers the reasoning `encrypted_content`.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrStreamEvent } from '../ir/ir-stream';
import { toIrState } from '../ir/reasoning-state';
import { ConversionContext, StreamDecoder } from '../protocol-adapter';
import { SseEvent } from '../sse/sse-parser';
import { decodeStreamError } from './openai-responses.errors';
import { decodeOutputItem, incompleteReasonOf, stopReasonOf } from './openai-responses.response';
import { usageFromResponses } from './openai-responses.usage';

interface OpenBlock {
  kind: 'text' | 'tool_call' | 'reasoning';
  index: number;
  outputIndex: number | null;
  /** Content was streamed (deltas); `output_item.done` must not repeat it. */
  streamed: boolean;
  /** Reasoning: where the visible text comes from; the other source is ignored. */
  source?: 'summary' | 'raw';
  summaryIndex?: number;
  encrypted?: string;
}

export class ResponsesStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  private sawToolCall = false;
  private sawRefusal = false;

  constructor(private readonly context: ConversionContext) {}

  push(event: SseEvent): IrStreamEvent[] {
    if (this.finished) return [];
    const data = parseFrame(event.data);
    if (data === null) return [];
    const type = stringOrNull(data.type) ?? event.event ?? '';
    const out: IrStreamEvent[] = [];
    const response = isRecord(data.response) ? data.response : null;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        this.ensureStarted(response, out);
        break;
      case 'response.output_item.added':
        this.ensureStarted(null, out);
        this.closeOpen(out);
        this.openItem(data.item, outputIndexOf(data), out);
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (type === 'response.refusal.delta') this.sawRefusal = true;
        this.delta(data, 'text', out, (index, text) => ({ type: 'text_delta', index, text }));
        break;
      case 'response.function_call_arguments.delta':
        this.delta(data, 'tool_call', out, (index, json) => ({
          type: 'tool_args_delta',
          index,
          json,
        }));
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        this.reasoningDelta(
          data,
          type === 'response.reasoning_text.delta' ? 'raw' : 'summary',
          out,
        );
        break;
      case 'response.output_item.done':
        this.itemDone(data, out);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.complete(response ?? {}, type === 'response.incomplete' ? 'incomplete' : null, out);
        break;
      case 'response.failed':
        this.fail(response && isRecord(response.error) ? response.error : {}, out);
        break;
      case 'error':
        this.fail(isRecord(data.error) ? data.error : data, out);
        break;
      default:
        break; // content_part.*, *.done texts, annotations, in-progress notices of hosted tools
    }
    return out;
  }

  end(): IrStreamEvent[] {
    this.finished = true;
    return [];
  }

  private ensureStarted(response: Record<string, unknown> | null, out: IrStreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({
      type: 'start',
      id: (response && stringOrNull(response.id)) ?? this.context.newId('resp_'),
      model: (response && stringOrNull(response.model)) ?? '',
    });
  }

  private openItem(item: unknown, outputIndex: number | null, out: IrStreamEvent[]): void {
    if (!isRecord(item)) return;
    const decoded = decodeOutputItem(item, this.context).block;
    if (decoded === null) return; // hosted tools and unknown items have no IR block
    const index = this.nextIndex++;
    const base = { index, outputIndex, streamed: false };
    if (decoded.type === 'tool_call') {
      this.sawToolCall = true;
      this.open = { kind: 'tool_call', ...base };
      out.push({
        type: 'block_start',
        index,
        block: { kind: 'tool_call', id: decoded.id, name: decoded.name },
      });
    } else if (decoded.type === 'reasoning') {
      this.open = { kind: 'reasoning', ...base };
      const encrypted = stringOrNull(item.encrypted_content);
      if (encrypted) this.open.encrypted = encrypted;
      out.push({
        type: 'block_start',
        index,
        block: { kind: 'reasoning', ...(decoded.id !== undefined ? { id: decoded.id } : {}) },
      });
    } else {
      this.open = { kind: 'text', ...base };
      out.push({ type: 'block_start', index, block: { kind: 'text' } });
    }
  }

  /** The open block for a delta, or null when the delta belongs to no block we track. */
  private target(data: Record<string, unknown>, kind: OpenBlock['kind']): OpenBlock | null {
    const open = this.open;
    if (open === null || open.kind !== kind) return null;
    const outputIndex = outputIndexOf(data);
    if (outputIndex !== null && open.outputIndex !== null && outputIndex !== open.outputIndex) {
      return null;
    }
    return open;
  }

  private delta(
    data: Record<string, unknown>,
    kind: 'text' | 'tool_call',
    out: IrStreamEvent[],
    make: (index: number, delta: string) => IrStreamEvent,
  ): void {
    const delta = stringOrNull(data.delta);
    const open = this.target(data, kind);
    if (open === null || delta === null || delta === '') return;
    open.streamed = true;
    out.push(make(open.index, delta));
  }

  private reasoningDelta(
    data: Record<string, unknown>,
    source: 'summary' | 'raw',
    out: IrStreamEvent[],
  ): void {
    const delta = stringOrNull(data.delta);
    const open = this.target(data, 'reasoning');
    if (open === null || delta === null || delta === '') return;
    if (open.source !== undefined && open.source !== source) return;
    open.source = source;
    const part = typeof data.summary_index === 'number' ? data.summary_index : 0;
    // Summary parts are paragraphs: separate them as the non-streaming decoder does.
    if (source === 'summary' && open.streamed && open.summaryIndex !== part) {
      out.push({ type: 'reasoning_delta', index: open.index, text: '\n\n' });
    }
    open.summaryIndex = part;
    open.streamed = true;
    out.push({ type: 'reasoning_delta', index: open.index, text: delta });
  }

  private itemDone(data: Record<string, unknown>, out: IrStreamEvent[]): void {
    const item = isRecord(data.item) ? data.item : null;
    if (item === null) return;
    const outputIndex = outputIndexOf(data);
    let open = this.open;
    if (open === null || (outputIndex !== null && open.outputIndex !== outputIndex)) {
      // A finished item we never saw start: open it now, then fill it below.
      this.ensureStarted(null, out);
      this.closeOpen(out);
      this.openItem(item, outputIndex, out);
      open = this.open;
      if (open === null) return;
    }
    const decoded = decodeOutputItem(item, this.context);
    if (decoded.refusal) this.sawRefusal = true;
    const block = decoded.block;
    if (!open.streamed && block !== null) {
      if (block.type === 'text' && block.text !== '') {
        out.push({ type: 'text_delta', index: open.index, text: block.text });
      } else if (block.type === 'tool_call') {
        const json = stringOrNull(item.arguments) ?? '';
        if (json !== '') out.push({ type: 'tool_args_delta', index: open.index, json });
      } else if (block.type === 'reasoning' && block.text !== '') {
        out.push({ type: 'reasoning_delta', index: open.index, text: block.text });
      }
    }
    if (open.kind === 'reasoning') {
      const encrypted = stringOrNull(item.encrypted_content) ?? open.encrypted;
      if (encrypted) {
        out.push({
          type: 'reasoning_state',
          index: open.index,
          state: toIrState('openai', encrypted),
        });
      }
    }
    this.closeOpen(out);
  }

  private closeOpen(out: IrStreamEvent[]): void {
    if (this.open === null) return;
    out.push({ type: 'block_stop', index: this.open.index });
    this.open = null;
  }

  private complete(
    response: Record<string, unknown>,
    status: 'incomplete' | null,
    out: IrStreamEvent[],
  ): void {
    this.ensureStarted(response, out);
    this.closeOpen(out);
    const output = Array.isArray(response.output) ? response.output : [];
    const toolCallInOutput = output.some((item) => isRecord(item) && item.type === 'function_call');
    out.push({
      type: 'finish',
      stopReason: stopReasonOf(
        status ?? stringOrNull(response.status),
        incompleteReasonOf(response),
        this.sawToolCall || toolCallInOutput,
        this.sawRefusal,
      ),
      usage: usageFromResponses(response.usage),
    });
    this.finished = true;
  }

  private fail(error: Record<string, unknown>, out: IrStreamEvent[]): void {
    const decoded = decodeStreamError(error);
    out.push({ type: 'error', ...decoded });
    this.finished = true;
  }
}

function parseFrame(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return isRecord(value) ? value : null;
  } catch {
    return null; // `[DONE]` from compatible servers, keep-alives, garbage
  }
}

function outputIndexOf(data: Record<string, unknown>): number | null {
  return typeof data.output_index === 'number' ? data.output_index : null;
}
