/**
 * IR stream events into Chat Completions SSE for a client: `data: {chunk}` frames without `event:`
 * lines, a first chunk with `role: "assistant"`, content / tool-call deltas, a finish chunk, the
 * usage chunk (`choices: []`) when the client asked for `stream_options.include_usage`, then
 * `data: [DONE]`. Reasoning text goes out as the non-standard `delta.reasoning_content`, which
 * OpenAI SDKs ignore and compatible clients show; opaque reasoning state is dropped.
 */
import { IrRequest } from '../ir/ir-request';
import { IrStreamEvent } from '../ir/ir-stream';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { ConversionContext, StreamEncoder } from '../protocol-adapter';
import { formatSseEvent } from '../sse/sse-writer';
import { chatStreamErrorFrames } from './openai-chat.errors';
import { chatRequestHints } from './openai-chat.hints';
import { finishReasonToChat, usageToChat } from './openai-chat.usage';
import { ChatChunkDelta, ChatCompletionChunk, ChatFinishReason } from './openai-chat.wire';

type Phase =
  /** Nothing written yet. */
  | 'idle'
  /** The role chunk is out. */
  | 'streaming'
  /** `[DONE]` is out: nothing more may be written. */
  | 'done';

const DONE_FRAME = formatSseEvent(undefined, '[DONE]');

export class ChatStreamEncoder implements StreamEncoder {
  private phase: Phase = 'idle';
  private readonly id: string;
  private readonly created: number;
  private model: string;
  private readonly includeUsage: boolean;
  /** Chat `tool_calls[].index` of each IR tool-call block index. */
  private readonly toolIndexByBlock = new Map<number, number>();
  private usage: IrUsage = emptyUsage();

  constructor(request: IrRequest, context: ConversionContext) {
    this.id = context.newId('chatcmpl-');
    this.created = Math.floor(context.now() / 1000);
    this.model = request.model;
    this.includeUsage = chatRequestHints(request).includeUsage;
  }

  encode(event: IrStreamEvent): string {
    if (this.phase === 'done') return '';
    switch (event.type) {
      case 'start':
        if (event.model !== '') this.model = event.model;
        return this.ensureStarted();
      case 'block_start': {
        if (event.block.kind !== 'tool_call') return this.ensureStarted();
        const index = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(event.index, index);
        const { id, name } = event.block;
        return this.delta({
          tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }],
        });
      }
      case 'text_delta':
        return event.text === '' ? '' : this.delta({ content: event.text });
      case 'reasoning_delta':
        return event.text === '' ? '' : this.delta({ reasoning_content: event.text });
      case 'tool_args_delta': {
        const index = this.toolIndexByBlock.get(event.index);
        if (index === undefined || event.json === '') return '';
        return this.delta({ tool_calls: [{ index, function: { arguments: event.json } }] });
      }
      case 'usage':
        this.usage = { ...this.usage, ...event.usage };
        return '';
      case 'finish':
        return this.close(
          finishReasonToChat(event.stopReason, this.toolIndexByBlock.size > 0),
          event.usage,
        );
      case 'error':
        return this.fail(event.status, event.errorType, event.message);
      case 'reasoning_state':
      case 'block_stop':
        return '';
    }
  }

  /** The finish chunk, usage chunk and `[DONE]` if no `finish` event wrote them. */
  finish(): string {
    if (this.phase === 'done') return '';
    return this.close(this.toolIndexByBlock.size > 0 ? 'tool_calls' : 'stop', this.usage);
  }

  fail(status: number, errorType: string, message: string): string {
    if (this.phase === 'done') return '';
    this.phase = 'done';
    return chatStreamErrorFrames(status, errorType, message);
  }

  private close(finishReason: ChatFinishReason, usage: IrUsage): string {
    let out = this.ensureStarted() + this.frame({}, finishReason);
    if (this.includeUsage) {
      const chunk: ChatCompletionChunk = {
        ...this.envelope(),
        choices: [],
        usage: usageToChat(usage),
      };
      out += formatSseEvent(undefined, JSON.stringify(chunk));
    }
    this.phase = 'done';
    return out + DONE_FRAME;
  }

  private ensureStarted(): string {
    if (this.phase !== 'idle') return '';
    this.phase = 'streaming';
    return this.frame({ role: 'assistant', content: '' }, null);
  }

  private delta(delta: ChatChunkDelta): string {
    return this.ensureStarted() + this.frame(delta, null);
  }

  private envelope(): Omit<ChatCompletionChunk, 'choices'> {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
    };
  }

  private frame(delta: ChatChunkDelta, finishReason: ChatFinishReason | null): string {
    const chunk: ChatCompletionChunk = {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    return formatSseEvent(undefined, JSON.stringify(chunk));
  }
}
