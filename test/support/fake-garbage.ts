import { ServerResponse } from 'node:http';

/**
 * Broken event streams for the fakes: what a misbehaving upstream or a middlebox in front of it
 * can send instead of well-formed SSE. Each fake writes its own protocol's frames before the
 * garbage (none yet, or the first content), then these bytes, then ends the response.
 */
export type GarbageKind = 'not-sse' | 'bad-json' | 'no-terminal' | 'huge-line' | 'endless-line';

export const GARBAGE_KINDS: GarbageKind[] = ['not-sse', 'bad-json', 'no-terminal', 'huge-line'];

/** Big enough to matter for a gateway that buffers it, small enough for a fast test. */
export const HUGE_LINE_BYTES = 8 * 1024 * 1024;

/**
 * The garbage itself. `contentEvent` is the protocol's content event name (Anthropic's
 * `content_block_delta`, Responses' `response.output_text.delta`), so a bad-JSON frame looks
 * like content to anything that only reads event names.
 */
export function garbageBytes(kind: GarbageKind, contentEvent: string | null): string {
  const eventLine = contentEvent ? `event: ${contentEvent}\n` : '';
  switch (kind) {
    case 'not-sse':
      return '<html><body><h1>502 Bad Gateway</h1></body></html>\r\n\u0000\u0001\ufffd binary junk\n\n';
    case 'bad-json':
      return `${eventLine}data: {"type":"${contentEvent ?? 'chunk'}","delta":{"text":"x"}, tru\n\n`;
    case 'no-terminal':
      return '';
    case 'huge-line':
      // One line that never ends: no newline before the connection closes.
      return `${eventLine}data: {"pad":"${'x'.repeat(HUGE_LINE_BYTES)}`;
    case 'endless-line':
      return `${eventLine}data: {"pad":"`; // endWithGarbage keeps it growing
  }
}

/** How much of an endless line a fake sends at most before giving up (the gateway cuts first). */
const ENDLESS_LINE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Ends the answer with the garbage. After content, it waits a moment first so the content goes
 * out in a packet of its own: the gateway must have relayed it before the garbage arrives.
 */
export function endWithGarbage(
  response: ServerResponse,
  garbage: GarbageKind,
  contentEvent: string | null,
  afterContent: boolean,
): void {
  const send = () => {
    if (response.destroyed) return;
    if (garbage === 'endless-line') {
      response.write(garbageBytes(garbage, contentEvent));
      growEndlessLine(response, 0);
      return;
    }
    response.end(garbageBytes(garbage, contentEvent));
  };
  if (afterContent) setTimeout(send, 30);
  else send();
}

/** Megabyte after megabyte of one line, until the gateway hangs up. */
function growEndlessLine(response: ServerResponse, sent: number): void {
  if (response.destroyed) return;
  if (sent >= ENDLESS_LINE_LIMIT_BYTES) {
    response.end();
    return;
  }
  const piece = 'x'.repeat(1024 * 1024);
  const next = () => growEndlessLine(response, sent + piece.length);
  if (response.write(piece)) setImmediate(next);
  else response.once('drain', next);
}
