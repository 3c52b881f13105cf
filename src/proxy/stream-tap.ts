import { AnthropicStreamTap } from '../protocols/anthropic-messages/anthropic-messages.usage';
import { IrStreamEvent } from '../protocols/ir/ir-stream';
import { emptyUsage, IrUsage } from '../protocols/ir/ir-usage';
import { ConversionContext, ProtocolAdapter, StreamDecoder } from '../protocols/protocol-adapter';
import { SseEvent } from '../protocols/sse/sse-parser';

/**
 * Reads a stream on the side while its bytes are relayed: what failover and the ledger need
 * (first content, clean end, in-band failure, usage, stop reason), and nothing else.
 */
export interface StreamTap {
  observe(event: SseEvent): void;
  readonly firstContentSeen: boolean;
  readonly completed: boolean;
  /** An in-band upstream error; `overloaded` ones are worth another provider. */
  readonly failure: { overloaded: boolean } | null;
  readonly usage: IrUsage;
  readonly stopReason: string | null;
}

/** Anthropic's own tap: parses only the three frames that carry usage, stop reason or errors. */
export class AnthropicTap implements StreamTap {
  private readonly tap = new AnthropicStreamTap();

  observe(event: SseEvent): void {
    this.tap.observe(event);
  }
  get firstContentSeen(): boolean {
    return this.tap.firstContentSeen;
  }
  get completed(): boolean {
    return this.tap.sawMessageStop;
  }
  get failure(): { overloaded: boolean } | null {
    return this.tap.error ? { overloaded: this.tap.error.type === 'overloaded_error' } : null;
  }
  get usage(): IrUsage {
    return this.tap.usage;
  }
  get stopReason(): string | null {
    return this.tap.stopReason;
  }
}

/** Tracks the IR events of one answer: usage, stop reason, content, end, error. */
export class IrEventLedger {
  usage: IrUsage = emptyUsage();
  stopReason: string | null = null;
  finished = false;
  content = false;
  error: Extract<IrStreamEvent, { type: 'error' }> | null = null;

  observe(event: IrStreamEvent): void {
    switch (event.type) {
      case 'block_start':
      case 'text_delta':
      case 'reasoning_delta':
      case 'tool_args_delta':
        this.content = true;
        return;
      case 'usage':
        this.usage = { ...this.usage, ...event.usage };
        return;
      case 'start':
        if (event.usage) this.usage = { ...this.usage, ...event.usage };
        return;
      case 'finish':
        this.usage = event.usage;
        this.stopReason = event.stopReason;
        this.finished = true;
        return;
      case 'error':
        this.error = event;
        return;
      case 'reasoning_state':
      case 'block_stop':
        return;
    }
  }
}

/** Any protocol's tap, built on its stream decoder (every frame is parsed). */
export class DecoderTap implements StreamTap {
  private readonly decoder: StreamDecoder;
  private readonly ledger = new IrEventLedger();

  constructor(adapter: ProtocolAdapter, context: ConversionContext) {
    this.decoder = adapter.createStreamDecoder(context);
  }

  observe(event: SseEvent): void {
    for (const decoded of this.decoder.push(event)) this.ledger.observe(decoded);
  }
  get firstContentSeen(): boolean {
    return this.ledger.content;
  }
  get completed(): boolean {
    return this.ledger.finished;
  }
  get failure(): { overloaded: boolean } | null {
    const error = this.ledger.error;
    return error
      ? { overloaded: error.errorType === 'overloaded_error' || error.status === 529 }
      : null;
  }
  get usage(): IrUsage {
    return this.ledger.usage;
  }
  get stopReason(): string | null {
    return this.ledger.stopReason;
  }
}
