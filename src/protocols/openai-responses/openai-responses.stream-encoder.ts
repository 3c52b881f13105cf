/**
 * Client side: IR stream events → Responses SSE, as Codex and the OpenAI SDK read it
 * (protocols.md §B.3, §C.4 "Stream: Anthropic upstream → Responses client"). Every frame has an
 * `event:` line and a `sequence_number`; each IR block is one output item; the stream always ends
 * with exactly one of `response.completed`, `response.incomplete` or `response.failed`, because
 * Codex treats a stream without `response.completed` as broken and retries it.
 */
import { IrBlockStart, IrStreamEvent } from '../ir/ir-stream';
import { IrRequest } from '../ir/ir-request';
import { IrStopReason } from '../ir/ir-response';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { ConversionContext, StreamEncoder } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import { openAiErrorClass } from './openai-responses.errors';
import {
  messageItem,
  parallelToolCalls,
  reasoningItem,
  responseObject,
  ResponseShape,
  terminalStatus,
  toolCallItem,
  unixSeconds,
} from './openai-responses.output-items';
import { clientToolCallName } from './openai-responses.tools';
import { mergeUsage } from './openai-responses.usage';
import { ResponsesOutputItem } from './openai-responses.wire';

interface OpenItem {
  kind: IrBlockStart['kind'];
  outputIndex: number;
  itemId: string;
  /** Text, reasoning summary or call arguments received so far. */
  buffer: string;
  /** Reasoning: the summary part was announced. */
  partOpen: boolean;
  state?: string;
  /** Tool call: the id the client quotes back, the IR tool name, and whether it is freeform. */
  callId: string;
  irName: string;
  custom: boolean;
}

export class ResponsesStreamEncoder implements StreamEncoder {
  private sequence = 0;
  private responseId = '';
  private createdAt = 0;
  private model: string;
  private started = false;
  private terminated = false;
  private readonly open = new Map<number, OpenItem>();
  private readonly done: ResponsesOutputItem[] = [];
  private nextOutputIndex = 0;
  private usage: IrUsage = emptyUsage();

  constructor(
    private readonly request: IrRequest,
    private readonly context: ConversionContext,
  ) {
    this.model = request.model;
  }

  encode(event: IrStreamEvent): string {
    if (this.terminated) return '';
    switch (event.type) {
      case 'start':
        if (event.model !== '') this.model = event.model;
        if (event.usage) this.usage = mergeUsage(this.usage, event.usage);
        return this.ensureStarted();
      case 'block_start':
        return this.ensureStarted() + this.blockStart(event.index, event.block);
      case 'text_delta':
        return this.textDelta(event.index, event.text);
      case 'reasoning_delta':
        return this.reasoningDelta(event.index, event.text);
      case 'reasoning_state': {
        const item = this.open.get(event.index);
        if (item?.kind === 'reasoning') item.state = event.state;
        return '';
      }
      case 'tool_args_delta':
        return this.argsDelta(event.index, event.json);
      case 'block_stop':
        return this.blockStop(event.index);
      case 'usage':
        this.usage = mergeUsage(this.usage, event.usage);
        return '';
      case 'finish':
        this.usage = mergeUsage(this.usage, event.usage);
        return this.terminate(event.stopReason);
      case 'error':
        return this.fail(event.status, event.errorType, event.message);
    }
  }

  finish(): string {
    if (this.terminated) return '';
    return this.terminate('end_turn');
  }

  fail(_status: number, errorType: string, message: string): string {
    if (this.terminated) return '';
    const started = this.ensureStarted();
    const { type, code } = openAiErrorClass(errorType, message);
    this.terminated = true;
    return (
      started +
      this.frame('response.failed', {
        response: this.response({ status: 'failed', error: { code: code ?? type, message } }),
      })
    );
  }

  private ensureStarted(): string {
    if (this.started) return '';
    this.started = true;
    this.responseId = this.context.newId('resp_');
    this.createdAt = unixSeconds(this.context.now());
    const response = this.response({ status: 'in_progress', usage: undefined });
    return (
      this.frame('response.created', { response }) +
      this.frame('response.in_progress', { response })
    );
  }

  private blockStart(index: number, block: IrBlockStart): string {
    const outputIndex = this.nextOutputIndex++;
    const base = {
      outputIndex,
      buffer: '',
      partOpen: false,
      callId: '',
      irName: '',
      custom: false,
    };
    if (block.kind === 'text') {
      const item: OpenItem = { kind: 'text', itemId: this.context.newId('msg_'), ...base };
      this.open.set(index, item);
      return (
        this.frame('response.output_item.added', {
          output_index: outputIndex,
          item: messageItem(item.itemId, '', 'in_progress'),
        }) +
        this.frame('response.content_part.added', {
          ...this.at(item),
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        })
      );
    }
    if (block.kind === 'reasoning') {
      const item: OpenItem = {
        kind: 'reasoning',
        itemId: block.id ?? this.context.newId('rs_'),
        ...base,
        ...(block.providerState !== undefined ? { state: block.providerState } : {}),
      };
      this.open.set(index, item);
      return this.frame('response.output_item.added', {
        output_index: outputIndex,
        item: { type: 'reasoning', id: item.itemId, summary: [] },
      });
    }
    // A Responses function call has no slot for a Gemini thoughtSignature.
    if (block.providerState !== undefined) this.context.dropped('tool_call providerState');
    const custom = clientToolCallName(this.request, block.name).custom;
    const item: OpenItem = {
      kind: 'tool_call',
      itemId: this.context.newId(custom ? 'ctc_' : 'fc_'),
      ...base,
      callId: block.id,
      irName: block.name,
      custom,
    };
    this.open.set(index, item);
    return this.frame('response.output_item.added', {
      output_index: outputIndex,
      item: this.toolItem(item, 'in_progress'),
    });
  }

  private textDelta(index: number, text: string): string {
    const item = this.open.get(index);
    if (item?.kind !== 'text' || text === '') return '';
    item.buffer += text;
    return this.frame('response.output_text.delta', {
      ...this.at(item),
      content_index: 0,
      delta: text,
      logprobs: [],
    });
  }

  private reasoningDelta(index: number, text: string): string {
    const item = this.open.get(index);
    if (item?.kind !== 'reasoning' || text === '') return '';
    let frames = '';
    if (!item.partOpen) {
      item.partOpen = true;
      frames += this.frame('response.reasoning_summary_part.added', {
        ...this.at(item),
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
    item.buffer += text;
    return (
      frames +
      this.frame('response.reasoning_summary_text.delta', {
        ...this.at(item),
        summary_index: 0,
        delta: text,
      })
    );
  }

  private argsDelta(index: number, json: string): string {
    const item = this.open.get(index);
    if (item?.kind !== 'tool_call' || json === '') return '';
    item.buffer += json;
    // A freeform call's raw input is inside this JSON: it is sent whole with output_item.done.
    if (item.custom) return '';
    return this.frame('response.function_call_arguments.delta', { ...this.at(item), delta: json });
  }

  private blockStop(index: number): string {
    const item = this.open.get(index);
    if (item === undefined) return '';
    this.open.delete(index);
    let frames = '';
    let finished: ResponsesOutputItem;
    if (item.kind === 'text') {
      const at = { ...this.at(item), content_index: 0 };
      const part = { type: 'output_text', text: item.buffer, annotations: [] };
      frames += this.frame('response.output_text.done', { ...at, text: item.buffer, logprobs: [] });
      frames += this.frame('response.content_part.done', { ...at, part });
      finished = messageItem(item.itemId, item.buffer, 'completed');
    } else if (item.kind === 'reasoning') {
      if (item.partOpen) {
        const at = { ...this.at(item), summary_index: 0 };
        frames += this.frame('response.reasoning_summary_text.done', { ...at, text: item.buffer });
        frames += this.frame('response.reasoning_summary_part.done', {
          ...at,
          part: { type: 'summary_text', text: item.buffer },
        });
      }
      finished = reasoningItem(item.itemId, item.buffer, item.state);
    } else {
      if (item.buffer === '') item.buffer = '{}';
      finished = this.toolItem(item, 'completed');
      if (finished.type === 'function_call') {
        frames += this.frame('response.function_call_arguments.done', {
          ...this.at(item),
          name: finished.name,
          arguments: item.buffer,
        });
      }
    }
    this.done[item.outputIndex] = finished;
    return (
      frames +
      this.frame('response.output_item.done', { output_index: item.outputIndex, item: finished })
    );
  }

  private terminate(stopReason: IrStopReason): string {
    let frames = this.ensureStarted();
    // Codex takes items from output_item.done: every item must be done before the end.
    for (const index of [...this.open.keys()].sort((a, b) => a - b))
      frames += this.blockStop(index);
    const terminal = terminalStatus(stopReason);
    this.terminated = true;
    const response = this.response({
      status: terminal.status,
      incomplete: terminal.incomplete,
      usage: this.usage,
    });
    const type = terminal.status === 'completed' ? 'response.completed' : 'response.incomplete';
    return frames + this.frame(type, { response });
  }

  private toolItem(item: OpenItem, status: 'in_progress' | 'completed'): ResponsesOutputItem {
    const args = status === 'completed' ? item.buffer : '';
    return toolCallItem(this.request, item.itemId, item.callId, item.irName, args, status);
  }

  private response(
    shape: Pick<ResponseShape, 'status'> & Partial<Omit<ResponseShape, 'status'>>,
  ): ReturnType<typeof responseObject> {
    return responseObject({
      id: this.responseId,
      createdAt: this.createdAt,
      model: this.model,
      output: this.done.filter((item) => item !== undefined),
      usage: this.usage,
      parallelToolCalls: parallelToolCalls(this.request),
      ...shape,
    });
  }

  private at(item: OpenItem): { item_id: string; output_index: number } {
    return { item_id: item.itemId, output_index: item.outputIndex };
  }

  private frame(type: string, payload: Record<string, unknown>): string {
    const data = JSON.stringify({ type, sequence_number: this.sequence++, ...payload });
    return formatSseEvent(type, data);
  }
}
