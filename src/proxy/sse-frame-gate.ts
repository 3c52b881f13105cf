import { SseEvent } from '../protocols/sse/sse-parser';

/**
 * The longest single SSE event a pass-through stream may carry. Real events are small (deltas of
 * a few hundred bytes; a Gemini chunk with an inline image reaches a few MB); a line that never
 * ends must not grow the gateway's memory without bound.
 */
export const MAX_SSE_FRAME_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const NO_BOUNDARY = -1;
const EMPTY = Buffer.alloc(0);

/** An upstream event grew past MAX_SSE_FRAME_BYTES without ending. */
export class SseFrameTooLargeError extends Error {
  constructor() {
    super(`an upstream SSE event exceeded ${MAX_SSE_FRAME_BYTES} bytes`);
    this.name = 'SseFrameTooLargeError';
  }
}

/**
 * Relays a pass-through event stream frame by frame: bytes go to the client only once the event
 * they belong to is complete (its blank line arrived). A stream that breaks mid-event therefore
 * never leaves a torn line at the client, and the gateway's own in-band error frame always starts
 * on a fresh line. It never copies a chunk that holds a boundary more than once.
 */
export class SseFrameGate {
  private held: Buffer[] = [];
  private heldLength = 0;

  constructor(private readonly maxFrameBytes = MAX_SSE_FRAME_BYTES) {}

  /** Bytes of an unfinished event, held back. */
  get pendingBytes(): number {
    return this.heldLength;
  }

  /** Returns the bytes of every event this chunk completes; holds back the rest. */
  push(chunk: Buffer): Buffer {
    // A boundary can straddle chunks ("\r\n" + "\r\n"): look at up to three held bytes too.
    const tail = this.heldTail();
    const probe = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    const end = lastBoundaryEnd(probe);
    if (end === NO_BOUNDARY) {
      this.hold(chunk);
      return EMPTY;
    }
    const cut = Math.max(0, end - tail.length);
    const released =
      this.heldLength > 0
        ? Buffer.concat([...this.held, chunk.subarray(0, cut)])
        : chunk.subarray(0, cut);
    this.held = [];
    this.heldLength = 0;
    if (cut < chunk.length) this.hold(chunk.subarray(cut));
    return released;
  }

  private hold(bytes: Buffer): void {
    this.held.push(bytes);
    this.heldLength += bytes.length;
    if (this.heldLength > this.maxFrameBytes) throw new SseFrameTooLargeError();
  }

  private heldTail(): Buffer {
    if (this.heldLength === 0) return EMPTY;
    const last = this.held[this.held.length - 1];
    if (last.length >= 3 || this.held.length === 1) return last.subarray(-3);
    return Buffer.concat(this.held).subarray(-3);
  }
}

/**
 * The end offset of the last blank line, i.e. of a line terminator (LF, CR LF or a lone CR) that
 * directly follows another one; -1 when the bytes hold none.
 */
function lastBoundaryEnd(bytes: Buffer): number {
  for (let index = bytes.length - 1; index > 0; index -= 1) {
    const byte = bytes[index];
    let start: number;
    if (byte === LF) start = bytes[index - 1] === CR ? index - 1 : index;
    // A CR ends a line on its own unless an LF follows; at the very end that is not known yet,
    // so it waits for the next chunk (only CR-only streams, which nobody sends, pay for that).
    else if (byte === CR && index + 1 < bytes.length && bytes[index + 1] !== LF) start = index;
    else continue;
    const previous = start > 0 ? bytes[start - 1] : undefined;
    if (previous === LF || previous === CR) return index + 1;
  }
  return NO_BOUNDARY;
}

/** Whether an event's data is neither empty, `[DONE]`, nor JSON: a frame no SDK could read. */
export function isMalformedFrame(event: SseEvent): boolean {
  const data = event.data;
  if (data.length === 0 || data === '[DONE]') return false;
  try {
    JSON.parse(data);
    return false;
  } catch {
    return true;
  }
}
