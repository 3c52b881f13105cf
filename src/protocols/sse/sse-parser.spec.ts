import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseEvent, SseParser } from './sse-parser';
import { seededRandom, splitAt } from '../../../test/support/random-splits';

const FIXTURE = join(__dirname, '../../../test/fixtures/anthropic/thinking-text-tool.sse');

function parseChunks(chunks: (Uint8Array | string)[]): SseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  return [...events, ...parser.end()];
}

function parseAll(input: string): SseEvent[] {
  return parseChunks([input]);
}

describe(SseParser.name, () => {
  const fixtureText = readFileSync(FIXTURE, 'utf8');
  const variants: [string, string][] = [
    ['LF', fixtureText],
    ['CRLF', fixtureText.replace(/\n/g, '\r\n')],
    ['CR', fixtureText.replace(/\n/g, '\r')],
  ];

  describe('on the Anthropic fixture stream', () => {
    const expected = parseAll(fixtureText);

    it('should parse every event with its name and JSON data when fed whole', () => {
      expect(expected).toHaveLength(18);
      expect(expected.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      for (const event of expected) {
        const data = JSON.parse(event.data) as { type: string };
        expect(data.type).toBe(event.event);
      }
      expect(JSON.parse(expected[3].data).delta.thinking).toContain('日本語のテスト 🙂');
    });

    it.each(variants)(
      'should give identical events for every single split point when line endings are %s',
      (_name, text) => {
        const bytes = new TextEncoder().encode(text);
        for (let offset = 0; offset <= bytes.length; offset++) {
          expect(parseChunks(splitAt(bytes, [offset]))).toEqual(expected);
        }
      },
    );

    it.each(variants)(
      'should give identical events for seeded random multi-way splits when line endings are %s',
      (_name, text) => {
        const bytes = new TextEncoder().encode(text);
        const random = seededRandom(0xcc4);
        for (let round = 0; round < 300; round++) {
          const cuts = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
            Math.floor(random() * (bytes.length + 1)),
          );
          expect(parseChunks(splitAt(bytes, cuts))).toEqual(expected);
        }
      },
    );

    it('should give identical events when fed one byte at a time', () => {
      const bytes = new TextEncoder().encode(variants[1][1]);
      const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
      expect(parseChunks(chunks)).toEqual(expected);
    });

    it('should give identical events when fed strings instead of bytes', () => {
      const chunks = fixtureText.match(/[\s\S]{1,7}/g) ?? [];
      expect(parseChunks(chunks)).toEqual(expected);
    });

    it('should end at a clean boundary when the stream is complete', () => {
      const parser = new SseParser();
      parser.push(fixtureText);
      parser.end();
      expect(parser.pendingChars).toBe(0);
    });
  });

  describe('line endings', () => {
    it('should treat a CR at the end of one chunk and an LF at the start of the next as one line break', () => {
      const events = parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
      expect(events).toEqual([{ data: 'a\nb' }]);
    });

    it('should dispatch at a blank line when the CR of a CRLF arrives before the LF', () => {
      const parser = new SseParser();
      expect(parser.push('data: x\r\n\r')).toEqual([{ data: 'x' }]);
      expect(parser.push('\n')).toEqual([]);
      expect(parser.pendingChars).toBe(0);
    });

    it('should treat CR CR as a line break followed by a blank line when no LF follows', () => {
      expect(parseAll('data: a\r\rdata: b\r\r')).toEqual([{ data: 'a' }, { data: 'b' }]);
    });

    it('should skip the LF of a split CRLF when empty chunks arrive in between', () => {
      expect(parseChunks(['data: a\r', '', '\n', '\n'])).toEqual([{ data: 'a' }]);
    });

    it('should accept mixed line endings in one stream', () => {
      expect(parseAll('event: e\r\ndata: 1\rdata: 2\n\r\n')).toEqual([
        { event: 'e', data: '1\n2' },
      ]);
    });
  });

  describe('fields', () => {
    it('should join multiple data lines with LF', () => {
      expect(parseAll('data: one\ndata: two\ndata: three\n\n')).toEqual([
        { data: 'one\ntwo\nthree' },
      ]);
    });

    it('should strip exactly one leading space after the colon', () => {
      expect(parseAll('data:no-space\n\ndata:  two spaces\n\ndata:\ttab\n\n')).toEqual([
        { data: 'no-space' },
        { data: ' two spaces' },
        { data: '\ttab' },
      ]);
    });

    it('should keep colons inside the value', () => {
      expect(parseAll('data: {"a":"b:c"}\n\n')).toEqual([{ data: '{"a":"b:c"}' }]);
    });

    it('should ignore comment lines', () => {
      expect(parseAll(': keep-alive\ndata: x\n: another\n\n')).toEqual([{ data: 'x' }]);
    });

    it('should treat a field with no colon as having an empty value', () => {
      expect(parseAll('data\ndata\n\n')).toEqual([{ data: '\n' }]);
      expect(parseAll('data\n\n')).toEqual([{ data: '' }]);
    });

    it('should dispatch an empty data line but not a block without data lines', () => {
      expect(parseAll('data:\n\n')).toEqual([{ data: '' }]);
      expect(parseAll('event: lonely\n\ndata: next\n\n')).toEqual([{ data: 'next' }]);
    });

    it('should not carry an event name over to the next event when dispatching', () => {
      expect(parseAll('event: a\ndata: 1\n\ndata: 2\n\n')).toEqual([
        { event: 'a', data: '1' },
        { data: '2' },
      ]);
    });

    it('should leave the event name undefined when the event field is empty', () => {
      expect(parseAll('event:\ndata: x\n\n')).toEqual([{ data: 'x' }]);
    });

    it('should ignore unknown fields and field names that differ only in case', () => {
      expect(parseAll('foo: bar\nData: no\ndata: yes\n\n')).toEqual([{ data: 'yes' }]);
    });

    it('should persist the last event id across events and reset it with an empty id', () => {
      const events = parseAll('id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n');
      expect(events).toEqual([{ data: 'a', id: '7' }, { data: 'b', id: '7' }, { data: 'c' }]);
    });

    it('should ignore an id containing NULL', () => {
      const parser = new SseParser();
      expect(parser.push('id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n')).toEqual([
        { data: 'a', id: '1' },
        { data: 'b', id: '1' },
      ]);
      expect(parser.lastEventId).toBe('1');
    });

    it('should attach retry only when it is all ASCII digits', () => {
      const parser = new SseParser();
      const events = parser.push(
        'retry: 1500\ndata: a\n\nretry: 2s\ndata: b\n\nretry: -1\ndata: c\n\n',
      );
      expect(events).toEqual([{ data: 'a', retry: 1500 }, { data: 'b' }, { data: 'c' }]);
      expect(parser.reconnectionTime).toBe(1500);
    });

    it('should remember retry as reconnection time when its block has no data', () => {
      const parser = new SseParser();
      expect(parser.push('retry: 300\n\n')).toEqual([]);
      expect(parser.reconnectionTime).toBe(300);
    });

    it('should strip a leading byte order mark only at the start of the stream', () => {
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: x\n\n')]);
      expect(parseChunks([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual([{ data: 'x' }]);
      expect(parseAll('\ufeffdata: a\n\n\ufeffdata: b\n\n')).toEqual([{ data: 'a' }]);
    });
  });

  describe('UTF-8', () => {
    it('should decode multibyte characters split at every byte', () => {
      const text = 'data: ä€𝄞🙂👍🏽\n\n';
      const bytes = new TextEncoder().encode(text);
      const expected = [{ data: 'ä€𝄞🙂👍🏽' }];
      for (let a = 0; a <= bytes.length; a++) {
        for (let b = a; b <= bytes.length; b++) {
          expect(parseChunks(splitAt(bytes, [a, b]))).toEqual(expected);
        }
      }
    });

    it('should replace an incomplete trailing sequence instead of throwing when the stream ends', () => {
      const parser = new SseParser();
      parser.push(new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0xe2, 0x82]));
      expect(parser.end()).toEqual([]);
      expect(parser.pendingChars).toBe(6);
    });
  });

  describe('end of stream', () => {
    it('should discard an unterminated final event and report it as pending', () => {
      const parser = new SseParser();
      expect(parser.push('data: a\n\ndata: b\n')).toEqual([{ data: 'a' }]);
      expect(parser.end()).toEqual([]);
      expect(parser.pendingChars).toBe('data: b\n'.length);
    });

    it('should report an unterminated line as pending', () => {
      const parser = new SseParser();
      parser.push('data: a\n\nevent: message_st');
      parser.end();
      expect(parser.pendingChars).toBe('event: message_st'.length);
    });

    it('should report a huge line that arrived in many chunks as pending until its terminator', () => {
      const parser = new SseParser();
      const piece = 'x'.repeat(1000);
      parser.push('data: ');
      for (let i = 0; i < 100; i++) parser.push(piece);
      expect(parser.pendingChars).toBe(6 + 100_000);
      const events = parser.push('\n\n');
      expect(events).toHaveLength(1);
      expect(events[0].data).toHaveLength(100_000);
      expect(parser.pendingChars).toBe(0);
    });

    it('should return nothing from a second end and throw on push after end', () => {
      const parser = new SseParser();
      parser.end();
      expect(parser.end()).toEqual([]);
      expect(() => parser.push('data: x\n\n')).toThrow('after end');
    });
  });
});
