/**
 * Usage and outcome extraction from Anthropic Messages responses, streamed or not. Input is
 * untrusted upstream JSON: nothing here throws on a bad shape, it reads what it can.
 */
import { isRecord, isTokenCount, stringOrNull, tokenCount } from '../common/json-narrowing';
import {
  jsonStringAt,
  JsonSpan,
  keyIs,
  parseJsonSpan,
  skipJsonValue,
  walkDocument,
} from '../common/json-scan';
import { emptyUsage, IrUsage } from '../ir/ir-usage';
import { SseEvent } from '../sse/sse-parser';

/**
 * Normalises an Anthropic `usage` object. Anthropic's conventions are the IR's, so this is mostly
 * a field mapping; the cache-write TTL split is the one judgement call (see below).
 */
export function usageFromAnthropic(usage: unknown): IrUsage {
  if (!isRecord(usage)) return emptyUsage();

  const cacheWriteTotal = tokenCount(usage.cache_creation_input_tokens);
  let cacheWrite5m = cacheWriteTotal;
  let cacheWrite1h = 0;
  const split = usage.cache_creation;
  if (
    isRecord(split) &&
    (isTokenCount(split.ephemeral_5m_input_tokens) || isTokenCount(split.ephemeral_1h_input_tokens))
  ) {
    const split5m = tokenCount(split.ephemeral_5m_input_tokens);
    const split1h = tokenCount(split.ephemeral_1h_input_tokens);
    // The split is more precise than the total, so it wins; an all-zero split next to a non-zero
    // total carries no information (placeholder from a converter) and would under-bill, so then
    // the total is kept and priced as 5m, the TTL used when none is given.
    if (split5m + split1h > 0 || cacheWriteTotal === 0) {
      cacheWrite5m = split5m;
      cacheWrite1h = split1h;
    }
  }

  const details = usage.output_tokens_details;
  return {
    inputTokens: tokenCount(usage.input_tokens),
    outputTokens: tokenCount(usage.output_tokens),
    cacheWrite5mTokens: cacheWrite5m,
    cacheWrite1hTokens: cacheWrite1h,
    cacheReadTokens: tokenCount(usage.cache_read_input_tokens),
    reasoningTokens: isRecord(details) ? tokenCount(details.thinking_tokens) : 0,
  };
}

export interface AnthropicMessageSummary {
  usage: IrUsage;
  stopReason: string | null;
  model: string | null;
}

/** Usage, stop reason and model of a non-streaming Messages response. */
export function anthropicMessageSummary(body: unknown): AnthropicMessageSummary {
  if (!isRecord(body)) return { usage: emptyUsage(), stopReason: null, model: null };
  return {
    usage: usageFromAnthropic(body.usage),
    stopReason: stringOrNull(body.stop_reason),
    model: stringOrNull(body.model),
  };
}

/**
 * From this size on, an answer is scanned rather than parsed. The scan costs about the same
 * whatever the size (~4.5 µs: it skips long strings with memchr), `JSON.parse` about 2 µs per
 * KB: 2.2 against 4.6 µs at 300 bytes, even at ~2 KB, 23 against 4.8 µs at 10 KB (Node 20).
 */
const SCAN_FROM_BYTES = 2048;

/**
 * `anthropicMessageSummary` of a response's bytes. A passed-through answer goes to the client as
 * the bytes received and only these three fields are read from it, so a large one is scanned:
 * its content (nearly all of it) is skipped and only `usage` becomes objects (`json-scan` says
 * what the scan leaves unchecked; a duplicated key counts with its last value, as in
 * `JSON.parse`). Throws when the bytes are not one JSON value.
 */
export function anthropicMessageSummaryOfBytes(
  raw: Buffer,
  scanFromBytes = SCAN_FROM_BYTES,
): AnthropicMessageSummary {
  if (raw.length < scanFromBytes) {
    return anthropicMessageSummary(JSON.parse(raw.toString('utf8')) as unknown);
  }
  let usage: JsonSpan | null = null;
  let stopReason: JsonSpan | null = null;
  let model: JsonSpan | null = null;
  const isObject = walkDocument(raw, (key, valueStart) => {
    const span = { start: valueStart, end: skipJsonValue(raw, valueStart) };
    if (keyIs(raw, key, 'usage')) usage = span;
    else if (keyIs(raw, key, 'stop_reason')) stopReason = span;
    else if (keyIs(raw, key, 'model')) model = span;
    return span.end;
  });
  if (!isObject) return { usage: emptyUsage(), stopReason: null, model: null };
  return {
    usage: usageFromAnthropic(usage ? parseJsonSpan(raw, usage) : undefined),
    stopReason: stopReason ? jsonStringAt(raw, stopReason) : null,
    model: model ? jsonStringAt(raw, model) : null,
  };
}

/** An `event: error` frame received mid-stream. */
export interface AnthropicStreamError {
  type: string;
  message: string;
}

const TYPE_PREFIX = '{"type":"';

/**
 * Observes the events of an Anthropic Messages stream as they are relayed, and keeps what
 * metering and failover need. Only the few frames that carry that information are JSON-parsed;
 * the content deltas, which are nearly all of the stream, are recognised by event name alone.
 */
export class AnthropicStreamTap {
  /** Raw merged usage, kept as Anthropic sends it so that merging follows the SDK's rules. */
  private usageSnapshot: Record<string, unknown> = {};
  private currentUsage: IrUsage = emptyUsage();
  private stopReasonValue: string | null = null;
  private modelValue: string | null = null;
  private messageStartSeen = false;
  private messageStopSeen = false;
  private finalUsageSeen = false;
  private contentSeen = false;
  private errorValue: AnthropicStreamError | null = null;
  private malformedFrameCount = 0;

  observe(event: SseEvent): void {
    switch (event.event ?? sniffType(event.data) ?? '') {
      case 'content_block_start':
      case 'content_block_delta':
        this.contentSeen = true;
        return;
      case 'message_start':
        this.messageStartSeen = true;
        this.onMessageStart(event.data);
        return;
      case 'message_delta':
        this.onMessageDelta(event.data);
        return;
      case 'message_stop':
        this.messageStopSeen = true;
        return;
      case 'error':
        this.onError(event.data);
        return;
      default:
        return; // ping, content_block_stop, unknown future events
    }
  }

  /** Usage so far; final once `sawFinalUsage` is true. */
  get usage(): IrUsage {
    return { ...this.currentUsage };
  }

  get stopReason(): string | null {
    return this.stopReasonValue;
  }

  get model(): string | null {
    return this.modelValue;
  }

  get sawMessageStart(): boolean {
    return this.messageStartSeen;
  }

  get sawMessageStop(): boolean {
    return this.messageStopSeen;
  }

  /**
   * True once a `message_delta` carried usage. Until then the output count is only
   * `message_start`'s placeholder, and a cut stream's usage has to be estimated.
   */
  get sawFinalUsage(): boolean {
    return this.finalUsageSeen;
  }

  /**
   * True once any content block started or streamed: from then on the client has received model
   * output, so the request can no longer be retried on another provider.
   */
  get firstContentSeen(): boolean {
    return this.contentSeen;
  }

  get error(): AnthropicStreamError | null {
    return this.errorValue;
  }

  /** Frames whose data was not a JSON object although the tap needed to read it. */
  get malformedFrames(): number {
    return this.malformedFrameCount;
  }

  private onMessageStart(data: string): void {
    const frame = this.parse(data);
    if (!frame || !isRecord(frame.message)) return;
    const message = frame.message;
    if (typeof message.model === 'string') this.modelValue = message.model;
    if (isRecord(message.usage)) {
      this.usageSnapshot = { ...message.usage };
      this.currentUsage = usageFromAnthropic(this.usageSnapshot);
    }
  }

  private onMessageDelta(data: string): void {
    const frame = this.parse(data);
    if (!frame) return;
    if (isRecord(frame.delta) && typeof frame.delta.stop_reason === 'string') {
      this.stopReasonValue = frame.delta.stop_reason;
    }
    if (isRecord(frame.usage)) {
      this.mergeUsage(frame.usage);
      this.finalUsageSeen = true;
    }
  }

  /**
   * `message_delta` usage is cumulative: like the SDK, every non-null field overwrites the
   * snapshot (a converter may send input 0 at message_start and the real numbers here).
   */
  private mergeUsage(delta: Record<string, unknown>): void {
    const snapshot = this.usageSnapshot;
    for (const [key, value] of Object.entries(delta)) {
      if (value === null || value === undefined) continue;
      snapshot[key] = value;
    }
    // A new cache-write total without its own TTL split makes an older split stale unless the
    // older split still adds up to it; a stale split would win over the new total.
    const hasOwnSplit = delta.cache_creation !== null && delta.cache_creation !== undefined;
    const previousSplit = snapshot.cache_creation;
    if (
      !hasOwnSplit &&
      isTokenCount(delta.cache_creation_input_tokens) &&
      isRecord(previousSplit)
    ) {
      const splitSum =
        tokenCount(previousSplit.ephemeral_5m_input_tokens) +
        tokenCount(previousSplit.ephemeral_1h_input_tokens);
      if (splitSum !== tokenCount(delta.cache_creation_input_tokens)) {
        snapshot.cache_creation = undefined;
      }
    }
    this.currentUsage = usageFromAnthropic(snapshot);
  }

  private onError(data: string): void {
    const frame = this.parse(data);
    const error = frame?.error;
    if (!isRecord(error)) {
      // Still an error frame: the stream failed even if we cannot say how. The raw data is not
      // echoed because it is unvalidated upstream text.
      this.errorValue = { type: 'api_error', message: 'Malformed error event from upstream' };
      return;
    }
    this.errorValue = {
      type: typeof error.type === 'string' ? error.type : 'api_error',
      message: typeof error.message === 'string' ? error.message : '',
    };
  }

  private parse(data: string): Record<string, unknown> | null {
    try {
      const value: unknown = JSON.parse(data);
      if (isRecord(value)) return value;
    } catch {
      // fall through: counted below
    }
    this.malformedFrameCount++;
    return null;
  }
}

/**
 * The `type` of a frame sent without an `event:` line, read from the data without parsing it.
 * Only Anthropic's compact serialisation (`{"type":"…"`) is recognised, which is enough for
 * compatible upstreams that omit event names; anything else is left unclassified.
 */
function sniffType(data: string): string | undefined {
  if (!data.startsWith(TYPE_PREFIX)) return undefined;
  const end = data.indexOf('"', TYPE_PREFIX.length);
  return end === -1 ? undefined : data.slice(TYPE_PREFIX.length, end);
}
