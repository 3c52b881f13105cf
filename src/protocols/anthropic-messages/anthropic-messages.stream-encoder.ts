/**
 * IR stream events → the Anthropic SSE a client (Claude Code, Droid, the SDKs) reads.
 *
 * - Every frame has its `event:` line: the Anthropic SDK ignores frames without one.
 * - `message_start` carries the usage known at start (zeros when the upstream reports none yet);
 *   `message_delta` carries the final input, cache and output numbers, which the SDK copies over.
 * - One block is open at a time, numbered 0, 1, 2… in start order; a `block_start` closes the
 *   open block, deltas for blocks that are not open are ignored. A thinking block's signature is
 *   sent as one `signature_delta` just before its `content_block_stop`; a redacted block is sent
 *   whole (start + stop) when it ends. A tool call carrying reasoning state (Gemini
 *   `thoughtSignature`) is preceded by an empty thinking block holding that state, the only place
 *   an Anthropic client echoes it back from.
 * - `finish()` closes what is open and sends `message_delta`/`message_stop` once; `fail()` sends
 *   `event: error` and nothing is written after it.
 */
import { IrStopReason } from '../ir/ir-response';
import { IrBlockStart, IrStreamEvent } from '../ir/ir-stream';
import { IrUsage } from '../ir/ir-usage';
import { stateForClient } from '../ir/reasoning-state';
import { IrRequest } from '../ir/ir-request';
import { ConversionContext, StreamEncoder } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import { anthropicErrorFrame } from './anthropic-messages.error-codec';
import { stopReasonToAnthropic, usageToAnthropic } from './anthropic-messages.wire';

type OpenBlock =
  | { kind: 'text' | 'tool_use'; irIndex: number; clientIndex: number }
  | { kind: 'thinking'; irIndex: number; clientIndex: number; signature?: string }
  | { kind: 'redacted'; irIndex: number; data?: string };

type Phase = 'idle' | 'streaming' | 'finished' | 'failed';

export class AnthropicStreamEncoder implements StreamEncoder {
  private phase: Phase = 'idle';
  private open: OpenBlock | null = null;
  private nextClientIndex = 0;
  private usage: Partial<IrUsage> = {};
  private sawToolUse = false;

  constructor(
    private readonly request: IrRequest,
    private readonly context: ConversionContext,
  ) {}

  encode(event: IrStreamEvent): string {
    if (this.phase === 'finished' || this.phase === 'failed') return '';
    switch (event.type) {
      case 'start':
        this.usage = { ...event.usage };
        return this.ensureStarted(event.model);
      case 'block_start':
        return this.ensureStarted() + this.closeOpen() + this.startBlock(event.index, event.block);
      case 'text_delta':
        return this.delta(event.index, 'text', { type: 'text_delta', text: event.text });
      case 'reasoning_delta':
        return this.delta(event.index, 'thinking', {
          type: 'thinking_delta',
          thinking: event.text,
        });
      case 'tool_args_delta':
        return this.delta(event.index, 'tool_use', {
          type: 'input_json_delta',
          partial_json: event.json,
        });
      case 'reasoning_state': {
        const open = this.open;
        if (open?.irIndex !== event.index) return '';
        const state = stateForClient('anthropic', event.state);
        if (open.kind === 'thinking') open.signature = state;
        else if (open.kind === 'redacted') open.data = state;
        return '';
      }
      case 'block_stop':
        return this.open?.irIndex === event.index ? this.closeOpen() : '';
      case 'usage':
        this.usage = { ...this.usage, ...event.usage };
        return '';
      case 'finish':
        return this.close(event.stopReason, event.stopSequence, event.usage);
      case 'error':
        return this.fail(event.status, event.errorType, event.message);
    }
  }

  finish(): string {
    if (this.phase === 'finished' || this.phase === 'failed') return '';
    return this.close(this.sawToolUse ? 'tool_use' : 'end_turn', undefined, this.usage);
  }

  fail(status: number, errorType: string, message: string): string {
    if (this.phase === 'finished' || this.phase === 'failed') return '';
    this.phase = 'failed';
    this.open = null;
    return anthropicErrorFrame(status, errorType, message);
  }

  private ensureStarted(upstreamModel?: string): string {
    if (this.phase !== 'idle') return '';
    this.phase = 'streaming';
    return frame('message_start', {
      message: {
        id: this.context.newId('msg_'),
        type: 'message',
        role: 'assistant',
        model: this.request.model || upstreamModel || '',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageToAnthropic(this.usage),
      },
    });
  }

  private startBlock(irIndex: number, block: IrBlockStart): string {
    switch (block.kind) {
      case 'text':
        return this.openBlock(
          { kind: 'text', irIndex, clientIndex: this.nextClientIndex++ },
          {
            type: 'text',
            text: '',
          },
        );
      case 'reasoning':
        if (block.redacted) {
          const data = block.providerState && stateForClient('anthropic', block.providerState);
          this.open = { kind: 'redacted', irIndex, ...(data ? { data } : {}) };
          return '';
        }
        return this.openBlock(
          {
            kind: 'thinking',
            irIndex,
            clientIndex: this.nextClientIndex++,
            ...(block.providerState
              ? { signature: stateForClient('anthropic', block.providerState) }
              : {}),
          },
          { type: 'thinking', thinking: '', signature: '' },
        );
      case 'tool_call': {
        this.sawToolUse = true;
        let carrier = '';
        if (block.providerState) {
          const signature = stateForClient('anthropic', block.providerState);
          carrier =
            this.openBlock(
              { kind: 'thinking', irIndex: -1, clientIndex: this.nextClientIndex++, signature },
              {
                type: 'thinking',
                thinking: '',
                signature: '',
              },
            ) + this.closeOpen();
        }
        return (
          carrier +
          this.openBlock(
            { kind: 'tool_use', irIndex, clientIndex: this.nextClientIndex++ },
            {
              type: 'tool_use',
              id: block.id,
              name: block.name,
              input: {},
            },
          )
        );
      }
    }
  }

  private openBlock(open: OpenBlock & { clientIndex: number }, contentBlock: object): string {
    this.open = open;
    return frame('content_block_start', { index: open.clientIndex, content_block: contentBlock });
  }

  private delta(irIndex: number, kind: OpenBlock['kind'], delta: object): string {
    const open = this.open;
    if (open?.irIndex !== irIndex || open.kind !== kind || open.kind === 'redacted') return '';
    return frame('content_block_delta', { index: open.clientIndex, delta });
  }

  private closeOpen(): string {
    const open = this.open;
    if (!open) return '';
    this.open = null;
    if (open.kind === 'redacted') {
      if (open.data === undefined || open.data === '') return '';
      const index = this.nextClientIndex++;
      return (
        frame('content_block_start', {
          index,
          content_block: { type: 'redacted_thinking', data: open.data },
        }) + frame('content_block_stop', { index })
      );
    }
    let out = '';
    if (open.kind === 'thinking' && open.signature !== undefined && open.signature !== '') {
      out += frame('content_block_delta', {
        index: open.clientIndex,
        delta: { type: 'signature_delta', signature: open.signature },
      });
    }
    return out + frame('content_block_stop', { index: open.clientIndex });
  }

  private close(
    stopReason: IrStopReason,
    stopSequence: string | undefined,
    usage: Partial<IrUsage>,
  ): string {
    const out = this.ensureStarted() + this.closeOpen();
    this.phase = 'finished';
    const final = usageToAnthropic({ ...this.usage, ...usage });
    return (
      out +
      frame('message_delta', {
        delta: {
          stop_reason: stopReasonToAnthropic(stopReason),
          stop_sequence: stopSequence ?? null,
        },
        usage: {
          input_tokens: final.input_tokens,
          cache_creation_input_tokens: final.cache_creation_input_tokens,
          cache_read_input_tokens: final.cache_read_input_tokens,
          output_tokens: final.output_tokens,
        },
      }) +
      frame('message_stop', {})
    );
  }
}

function frame(type: string, payload: object): string {
  return formatSseEvent(type, JSON.stringify({ type, ...payload }));
}
