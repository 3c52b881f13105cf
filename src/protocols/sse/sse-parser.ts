/**
 * Incremental Server-Sent Events parser following the WHATWG "event stream interpretation" rules
 * (HTML Living Standard, server-sent events). It sits on the streaming hot path, so it scans with
 * native `indexOf` instead of walking characters, and never re-concatenates a long unterminated
 * line chunk by chunk.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field; undefined when absent or empty (the spec's implicit type "message"). */
  event?: string;
  /** The `data:` lines of the event joined with "\n". */
  data: string;
  /**
   * The last event ID at dispatch time. Per spec the ID persists across events until another
   * `id:` line changes it; undefined while it is empty.
   */
  id?: string;
  /** A valid `retry:` value that appeared in this event's block. */
  retry?: number;
}

const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;
const DIGITS_ONLY = /^[0-9]+$/;
/** Hoisted so that decoding a chunk does not allocate an options object. */
const STREAM_DECODE = { stream: true } as const;
/** indexOf result meaning "not searched yet" (as opposed to -1, "searched, none left"). */
const NOT_SEARCHED = -2;

/**
 * Feed it chunks with `push()`; it returns the events completed by each chunk. Byte chunks are
 * decoded as a UTF-8 stream, so a code point split across chunks decodes correctly. Do not mix
 * byte and string chunks in one stream: a string chunk cannot complete a split code point.
 */
export class SseParser {
  // The BOM is stripped by hand (once, at stream start) so that string and byte input behave alike.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** Pieces of the current unterminated line, joined once when its terminator arrives. */
  private partial: string[] = [];
  private partialLength = 0;
  /** A line ended with CR: an LF right after it (maybe in the next chunk) belongs to that CR. */
  private skipLeadingLf = false;
  private atStreamStart = true;
  private ended = false;

  private eventType = '';
  private data = '';
  private hasData = false;
  private lastEventIdBuffer = '';
  private blockRetry: number | undefined;
  private reconnectionTimeMs: number | undefined;
  /** Characters of complete lines consumed since the last blank line (event boundary). */
  private charsSinceBoundary = 0;

  push(chunk: Uint8Array | string): SseEvent[] {
    if (this.ended) throw new Error('SseParser.push() called after end()');
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, STREAM_DECODE);
    const out: SseEvent[] = [];
    if (text.length > 0) this.feed(text, out);
    return out;
  }

  /**
   * Ends the stream. Per spec an event not terminated by a blank line is discarded, so this never
   * dispatches it; check `pendingChars` afterwards to tell a clean end from a stream cut mid-event.
   */
  end(): SseEvent[] {
    if (this.ended) return [];
    this.ended = true;
    // Flushing turns an incomplete trailing UTF-8 sequence into U+FFFD; it can hold no line break.
    const rest = this.decoder.decode();
    const out: SseEvent[] = [];
    if (rest.length > 0) this.feed(rest, out);
    return out;
  }

  /**
   * Characters received since the last event boundary that have not been dispatched (field lines
   * of an unterminated event plus any unterminated line). 0 means the stream is at a clean event
   * boundary; non-zero after `end()` means the stream was cut mid-event.
   */
  get pendingChars(): number {
    return this.charsSinceBoundary + this.partialLength;
  }

  /** The last valid `retry:` value seen anywhere in the stream (the spec's reconnection time). */
  get reconnectionTime(): number | undefined {
    return this.reconnectionTimeMs;
  }

  /** The current last event ID buffer ('' when none). */
  get lastEventId(): string {
    return this.lastEventIdBuffer;
  }

  private feed(text: string, out: SseEvent[]): void {
    const len = text.length;
    let pos = 0;
    if (this.atStreamStart) {
      this.atStreamStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (pos < len && text.charCodeAt(pos) === LF) pos++;
    }

    // Each search result is reused until passed, and a -1 is never searched again, so a chunk
    // costs O(length) however its lines end.
    let nextLf = NOT_SEARCHED;
    let nextCr = NOT_SEARCHED;
    while (pos < len) {
      if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      if (nextLf === -1 && nextCr === -1) break;

      const isCr = nextCr !== -1 && (nextLf === -1 || nextCr < nextLf);
      const eol = isCr ? nextCr : nextLf;
      let line = text.slice(pos, eol);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join('');
        this.partial = [];
        this.partialLength = 0;
      }
      let next = eol + 1;
      if (isCr) {
        if (next < len) {
          if (text.charCodeAt(next) === LF) next++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      const terminatorLength = next - eol;
      pos = next;
      this.processLine(line, terminatorLength, out);
    }

    if (pos < len) {
      this.partial.push(text.slice(pos));
      this.partialLength += len - pos;
    }
  }

  private processLine(line: string, terminatorLength: number, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    this.charsSinceBoundary += line.length + terminatorLength;
    if (line.charCodeAt(0) === COLON) return; // comment

    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      // A line with no colon is a field name with an empty value.
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      const valueStart = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = line.slice(valueStart);
    }

    switch (field) {
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value;
        this.hasData = true;
        return;
      case 'event':
        this.eventType = value;
        return;
      case 'id':
        // Spec: an id containing NULL is ignored (it could not be sent back in Last-Event-ID).
        if (!value.includes('\0')) this.lastEventIdBuffer = value;
        return;
      case 'retry':
        if (DIGITS_ONLY.test(value)) {
          const ms = Number(value);
          if (Number.isSafeInteger(ms)) {
            this.blockRetry = ms;
            this.reconnectionTimeMs = ms;
          }
        }
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(out: SseEvent[]): void {
    const retry = this.blockRetry;
    const eventType = this.eventType;
    const hasData = this.hasData;
    const data = this.data;
    this.blockRetry = undefined;
    this.eventType = '';
    this.data = '';
    this.hasData = false;
    this.charsSinceBoundary = 0;
    // Spec: a block without any data line is not dispatched (its event type is dropped too).
    if (!hasData) return;

    const event: SseEvent = eventType === '' ? { data } : { event: eventType, data };
    if (this.lastEventIdBuffer !== '') event.id = this.lastEventIdBuffer;
    if (retry !== undefined) event.retry = retry;
    out.push(event);
  }
}
