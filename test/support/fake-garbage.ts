import { ServerResponse } from 'node:http';

/**
 * Broken event streams for the fakes: what a misbehaving upstream or a middlebox in front of it
 * can send instead of well-formed SSE. Each fake writes its own protocol's frames before the
 * garbage (none yet, or the first content), then these bytes, then ends the response.
 */
export type GarbageKind = 'not-sse' | 'bad-json' | 'no-terminal' | 'huge-line';

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
  }
}

/**
 * Ends the answer with the garbage. After content, it waits a moment first so the content goes
 * out in a packet of its own: the gateway must have relayed it before the garbage arrives.
 */
export function endWithGarbage(
  response: ServerResponse,
  garbage: string,
  afterContent: boolean,
): void {
  if (!afterContent) {
    response.end(garbage);
    return;
  }
  setTimeout(() => {
    if (!response.destroyed) response.end(garbage);
  }, 30);
}
