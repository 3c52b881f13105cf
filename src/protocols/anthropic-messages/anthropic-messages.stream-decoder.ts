/**
 * Upstream Anthropic SSE → IR stream events (protocols.md §B.1 "Streaming").
 *
 * - Frames are classified by their `event:` line, or by `data.type` for compatible upstreams
 *   that leave it out; `ping` and unknown events are ignored.
 * - Blocks with no IR form (`server_tool_use`, `web_search_tool_result` and other server tool
 *   results) are dropped with their deltas, and the IR indexes of the blocks after them are
 *   renumbered so they stay 0, 1, 2… in start order. `citations_delta` is ignored.
 * - Usage is merged like the SDK does (`message_delta` fields overwrite `message_start`'s) and
 *   reported as `usage` events; `message_stop` gives `finish` with the final numbers.
 * - `event: error` becomes an IR `error`; nothing after it (or after `message_stop`) is read.
 */
import { isRecord, isTokenCount, tokenCount } from '../common/json-narrowing';
import { IrStreamEvent } from '../ir/ir-stream';
import { toIrState } from '../ir/reasoning-state';
import { ConversionContext, StreamDecoder } from '../protocol-adapter';
import { SseEvent } from '../sse/sse-parser';
import {
  isAnthropicErrorType,
  statusForAnthropicErrorType,
} from './anthropic-messages.error-codec';
import { clientToolName } from './anthropic-messages.tool-names';
import { usageFromAnthropic } from './anthropic-messages.usage';
import { stopReasonFromAnthropic } from './anthropic-messages.wire';

type BlockKind = 'text' | 'reasoning' | 'tool_call' | 'dropped';

interface OpenBlock {
  kind: BlockKind;
  /** IR index; meaningless for dropped blocks. */
  index: number;
}

export class AnthropicStreamDecoder implements StreamDecoder {
  /** Upstream index → the block it opened. */
  private readonly blocks = new Map<number, OpenBlock>();
  private readonly open = new Set<number>();
  private nextIndex = 0;
  private usageSnapshot: Record<string, unknown> = {};
  private stopReason: unknown = null;
  private stopSequence: string | undefined;
  private done = false;

  constructor(private readonly context: ConversionContext) {}

  push(event: SseEvent): IrStreamEvent[] {
    if (this.done) return [];
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return []; // not JSON: nothing an Anthropic stream would send
    }
    if (!isRecord(data)) return [];
    const type = event.event ?? (typeof data.type === 'string' ? data.type : '');
    switch (type) {
      case 'message_start':
        return this.onMessageStart(data.message);
      case 'content_block_start':
        return this.onBlockStart(data.index, data.content_block);
      case 'content_block_delta':
        return this.onDelta(data.index, data.delta);
      case 'content_block_stop':
        return this.onBlockStop(data.index);
      case 'message_delta':
        return this.onMessageDelta(data);
      case 'message_stop':
        return this.onMessageStop();
      case 'error':
        return this.onError(data.error);
      default:
        return []; // ping, future events
    }
  }

  end(): IrStreamEvent[] {
    return [];
  }

  private onMessageStart(message: unknown): IrStreamEvent[] {
    if (!isRecord(message)) return [];
    if (isRecord(message.usage)) this.usageSnapshot = { ...message.usage };
    return [
      {
        type: 'start',
        id: typeof message.id === 'string' ? message.id : '',
        model: typeof message.model === 'string' ? message.model : '',
        usage: usageFromAnthropic(this.usageSnapshot),
      },
    ];
  }

  private onBlockStart(rawIndex: unknown, block: unknown): IrStreamEvent[] {
    if (typeof rawIndex !== 'number' || this.blocks.has(rawIndex) || !isRecord(block)) return [];
    const kind = blockKind(block.type);
    const index = kind === 'dropped' ? -1 : this.nextIndex++;
    this.blocks.set(rawIndex, { kind, index });
    this.open.add(rawIndex);
    switch (kind) {
      case 'text': {
        const out: IrStreamEvent[] = [{ type: 'block_start', index, block: { kind: 'text' } }];
        if (typeof block.text === 'string' && block.text !== '') {
          out.push({ type: 'text_delta', index, text: block.text });
        }
        return out;
      }
      case 'reasoning': {
        if (block.type === 'redacted_thinking') {
          const data = typeof block.data === 'string' ? block.data : '';
          const providerState = toIrState('anthropic', data);
          return [{ type: 'block_start', index, block: { kind, redacted: true, providerState } }];
        }
        const out: IrStreamEvent[] = [{ type: 'block_start', index, block: { kind } }];
        if (typeof block.thinking === 'string' && block.thinking !== '') {
          out.push({ type: 'reasoning_delta', index, text: block.thinking });
        }
        if (typeof block.signature === 'string' && block.signature !== '') {
          out.push({
            type: 'reasoning_state',
            index,
            state: toIrState('anthropic', block.signature),
          });
        }
        return out;
      }
      case 'tool_call': {
        const id = typeof block.id === 'string' ? block.id : this.context.newId('toolu_');
        const name = clientToolName(this.context, typeof block.name === 'string' ? block.name : '');
        const out: IrStreamEvent[] = [{ type: 'block_start', index, block: { kind, id, name } }];
        // Anthropic starts with `input: {}` and streams the JSON; some compatible upstreams
        // send the whole input here instead.
        if (isRecord(block.input) && Object.keys(block.input).length > 0) {
          out.push({ type: 'tool_args_delta', index, json: JSON.stringify(block.input) });
        }
        return out;
      }
      case 'dropped':
        return [];
    }
  }

  private onDelta(rawIndex: unknown, delta: unknown): IrStreamEvent[] {
    const block = this.openBlock(rawIndex);
    if (!block || !isRecord(delta)) return [];
    const index = block.index;
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string'
          ? [{ type: 'text_delta', index, text: delta.text }]
          : [];
      case 'thinking_delta':
        return typeof delta.thinking === 'string'
          ? [{ type: 'reasoning_delta', index, text: delta.thinking }]
          : [];
      case 'signature_delta':
        return typeof delta.signature === 'string' && delta.signature !== ''
          ? [{ type: 'reasoning_state', index, state: toIrState('anthropic', delta.signature) }]
          : [];
      case 'input_json_delta':
        return typeof delta.partial_json === 'string'
          ? [{ type: 'tool_args_delta', index, json: delta.partial_json }]
          : [];
      default:
        return []; // citations_delta, future deltas
    }
  }

  private onBlockStop(rawIndex: unknown): IrStreamEvent[] {
    const block = this.openBlock(rawIndex);
    if (typeof rawIndex === 'number') this.open.delete(rawIndex);
    return block ? [{ type: 'block_stop', index: block.index }] : [];
  }

  /** The open, kept block at an upstream index; undefined for dropped, closed or unknown ones. */
  private openBlock(rawIndex: unknown): OpenBlock | undefined {
    if (typeof rawIndex !== 'number' || !this.open.has(rawIndex)) return undefined;
    const block = this.blocks.get(rawIndex);
    return block && block.kind !== 'dropped' ? block : undefined;
  }

  private onMessageDelta(data: Record<string, unknown>): IrStreamEvent[] {
    if (isRecord(data.delta)) {
      if (data.delta.stop_reason !== undefined) this.stopReason = data.delta.stop_reason;
      if (typeof data.delta.stop_sequence === 'string')
        this.stopSequence = data.delta.stop_sequence;
    }
    if (!isRecord(data.usage)) return [];
    this.mergeUsage(data.usage);
    return [{ type: 'usage', usage: usageFromAnthropic(this.usageSnapshot) }];
  }

  private onMessageStop(): IrStreamEvent[] {
    this.done = true;
    const out: IrStreamEvent[] = [];
    for (const rawIndex of this.open) {
      const block = this.blocks.get(rawIndex);
      if (block && block.kind !== 'dropped') out.push({ type: 'block_stop', index: block.index });
    }
    this.open.clear();
    out.push({
      type: 'finish',
      stopReason: stopReasonFromAnthropic(this.stopReason),
      ...(this.stopSequence !== undefined ? { stopSequence: this.stopSequence } : {}),
      usage: usageFromAnthropic(this.usageSnapshot),
    });
    return out;
  }

  private onError(error: unknown): IrStreamEvent[] {
    this.done = true;
    const type = isRecord(error) ? error.type : undefined;
    const errorType = isAnthropicErrorType(type) ? type : 'api_error';
    const message =
      isRecord(error) && typeof error.message === 'string'
        ? error.message
        : 'Malformed error event from upstream';
    return [{ type: 'error', status: statusForAnthropicErrorType(errorType), errorType, message }];
  }

  /** Cumulative `message_delta` usage: non-null fields overwrite, as in the SDK. */
  private mergeUsage(delta: Record<string, unknown>): void {
    const snapshot = this.usageSnapshot;
    for (const [key, value] of Object.entries(delta)) {
      if (value !== null && value !== undefined) snapshot[key] = value;
    }
    // A new cache-write total without its own split makes an older split stale unless it adds up.
    const split = snapshot.cache_creation;
    if (
      !isRecord(delta.cache_creation) &&
      isTokenCount(delta.cache_creation_input_tokens) &&
      isRecord(split) &&
      tokenCount(split.ephemeral_5m_input_tokens) + tokenCount(split.ephemeral_1h_input_tokens) !==
        tokenCount(delta.cache_creation_input_tokens)
    ) {
      delete snapshot.cache_creation;
    }
  }
}

function blockKind(type: unknown): BlockKind {
  switch (type) {
    case 'text':
      return 'text';
    case 'thinking':
    case 'redacted_thinking':
      return 'reasoning';
    case 'tool_use':
      return 'tool_call';
    default:
      return 'dropped'; // server_tool_use, *_tool_result, future block types
  }
}
