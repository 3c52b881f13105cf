import { SseParser } from '../protocols/sse/sse-parser';
import { isMalformedFrame, SseFrameGate, SseFrameTooLargeError } from './sse-frame-gate';

/** Feeds the pieces and returns what the gate released after each. */
function relay(gate: SseFrameGate, pieces: string[]): string[] {
  return pieces.map((piece) => gate.push(Buffer.from(piece)).toString());
}

describe('SseFrameGate', () => {
  it('should release whole events and hold back an unfinished one', () => {
    const gate = new SseFrameGate();
    expect(relay(gate, ['event: a\ndata: {}\n\nevent: b\nda', 'ta: {}\n', '\n'])).toEqual([
      'event: a\ndata: {}\n\n',
      '',
      'event: b\ndata: {}\n\n',
    ]);
    expect(gate.pendingBytes).toBe(0);
  });

  it.each([
    ['LF LF', 'data: 1\n\n'],
    ['CR LF CR LF', 'data: 1\r\n\r\n'],
    ['CR CR', 'data: 1\r\r'],
    ['LF CR LF', 'data: 1\n\r\n'],
  ])('should see a %s boundary even when it straddles chunks', (_name, frame) => {
    // The next event's first byte follows: a trailing CR is only a line end once that is known.
    const stream = `${frame}d`;
    for (let split = 1; split < stream.length; split += 1) {
      const gate = new SseFrameGate();
      const released = relay(gate, [stream.slice(0, split), stream.slice(split)]).join('');
      expect(released).toBe(frame);
      expect(gate.pendingBytes).toBe(1);
    }
  });

  it('should agree with the SSE parser on where events end, for any split', () => {
    const stream =
      'event: a\r\ndata: {"x":1}\r\n\r\n: comment\n\ndata: {"y":2}\n\ndata: [DONE]\n\ntail';
    for (let split = 1; split < stream.length; split += 1) {
      const gate = new SseFrameGate();
      const released = relay(gate, [stream.slice(0, split), stream.slice(split)]).join('');
      const parser = new SseParser();
      const events = parser.push(released);
      expect(parser.pendingChars).toBe(0);
      expect(events.map((event) => event.data)).toEqual(['{"x":1}', '{"y":2}', '[DONE]']);
      expect(gate.pendingBytes).toBe(4);
    }
  });

  it('should refuse an event that grows past the limit without ending', () => {
    const gate = new SseFrameGate(1024);
    gate.push(Buffer.from(`data: "${'x'.repeat(1000)}`));
    expect(() => gate.push(Buffer.from('x'.repeat(100)))).toThrow(SseFrameTooLargeError);
  });

  it('should tell unreadable frames from JSON, [DONE] and data-less events', () => {
    expect(isMalformedFrame({ data: '{"type":"ping"}' })).toBe(false);
    expect(isMalformedFrame({ data: '[DONE]' })).toBe(false);
    expect(isMalformedFrame({ data: '' })).toBe(false);
    expect(isMalformedFrame({ data: '{"type":"x", tru' })).toBe(true);
    expect(isMalformedFrame({ data: '<html>' })).toBe(true);
  });
});
