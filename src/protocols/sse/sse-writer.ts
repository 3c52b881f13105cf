/** Serialises Server-Sent Events frames. */

const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

/**
 * One complete SSE frame: an optional `event:` line, one `data:` line per line of `data`, and the
 * blank line that dispatches it. Always pass the event name for Anthropic streams: the Anthropic
 * SDK ignores frames without an `event:` line.
 *
 * @throws TypeError when `event` contains a line break: written as-is it would inject fields into
 *   the stream, and no valid event name can contain one.
 */
export function formatSseEvent(event: string | undefined, data: string): string {
  let head = '';
  if (event !== undefined && event !== '') {
    if (HAS_LINE_BREAK.test(event))
      throw new TypeError('SSE event name must not contain a line break');
    head = `event: ${event}\n`;
  }
  // Fast path: serialised JSON never contains a raw line break, so this is the usual case.
  if (!data.includes('\n') && !data.includes('\r')) return `${head}data: ${data}\n\n`;

  let frame = head;
  for (const line of data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}
