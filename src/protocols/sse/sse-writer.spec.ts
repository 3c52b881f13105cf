import { SseParser } from './sse-parser';
import { formatSseEvent } from './sse-writer';

describe(formatSseEvent.name, () => {
  it('should write an event line, a data line and a blank line when data is one line', () => {
    expect(formatSseEvent('ping', '{"type":"ping"}')).toBe(
      'event: ping\ndata: {"type":"ping"}\n\n',
    );
  });

  it('should omit the event line when the event name is undefined or empty', () => {
    expect(formatSseEvent(undefined, 'x')).toBe('data: x\n\n');
    expect(formatSseEvent('', 'x')).toBe('data: x\n\n');
  });

  it('should write one data line per line when data contains LF, CRLF or CR', () => {
    expect(formatSseEvent('m', 'a\nb\r\nc\rd')).toBe(
      'event: m\ndata: a\ndata: b\ndata: c\ndata: d\n\n',
    );
  });

  it('should write a data line for empty data so that the event is still dispatched', () => {
    expect(formatSseEvent('m', '')).toBe('event: m\ndata: \n\n');
  });

  it('should throw when the event name contains a line break', () => {
    expect(() => formatSseEvent('a\ndata: injected', 'x')).toThrow(TypeError);
    expect(() => formatSseEvent('a\r', 'x')).toThrow(TypeError);
  });

  it('should round-trip through the parser when data has leading spaces and blank lines', () => {
    const data = ' leading space\n\n  two\ntrailing \n';
    const parser = new SseParser();
    expect(parser.push(formatSseEvent('e', data))).toEqual([{ event: 'e', data }]);
  });
});
