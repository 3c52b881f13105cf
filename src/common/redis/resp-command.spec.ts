import { Command } from 'ioredis';
import { evalshaCommand } from './resp-command';

/** What ioredis itself writes for `redis.evalsha(sha, keys.length, ...keys, ...args)`. */
function ioredisBytes(sha: string, keys: string[], args: (string | number)[]): Buffer {
  const written = new Command('evalsha', [sha, keys.length, ...keys, ...args]).toWritable({});
  return Buffer.isBuffer(written) ? written : Buffer.from(written, 'utf8');
}

function encodedBytes(sha: string, keys: string[], args: (string | number)[]): Buffer {
  const written = evalshaCommand(sha, keys, args).toWritable({});
  if (!Buffer.isBuffer(written)) throw new Error('expected a Buffer');
  return written;
}

describe('evalshaCommand', () => {
  const sha = 'a'.repeat(40);

  it('should write the bytes ioredis writes for the limits scripts’ kind of arguments', () => {
    const keys = [
      'cch:lim:user:3f0c2a7e-9d1b-4c55-8e1a-0b6f3c2d1e4f:rpm',
      'cch:lim:key:0b6f3c2d-1e4f-4c55-8e1a-3f0c2a7e9d1b:d:2026-11-26',
    ];
    const args = [1_764_115_200_123, 'req_01JD…', '25000000', 1_800_000, -1, 0, 60, '-1', '1'];
    expect(encodedBytes(sha, keys, args)).toEqual(ioredisBytes(sha, keys, args));
  });

  it.each<[string, (string | number)[]]>([
    ['no arguments', []],
    ['empty strings', ['', '']],
    ['zero, negative zero and negatives', [0, -0, -1, -10, -987_654_321]],
    ['powers of ten at digit boundaries', [9, 10, 99, 100, 999_999, 1_000_000]],
    ['the largest safe integers', [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
    ['numbers that are not safe integers', [1.5, -0.25, 1e21, 2 ** 60, Number.NaN]],
    ['multi-byte text', ['héllo', '日本語', '👩‍💻 emoji', 'tab\tand\r\nnewline']],
    ['ASCII text around the short-text bound', ['x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65)]],
    [
      'multi-byte text past the first char, short and long',
      ['abcé', `${'a'.repeat(70)}é`, '\u007f\u0080'],
    ],
  ])('should match ioredis byte for byte with %s', (_name, args) => {
    expect(encodedBytes(sha, ['k1', 'ключ'], args)).toEqual(
      ioredisBytes(sha, ['k1', 'ключ'], args),
    );
  });

  it('should write the same bytes for a key seen before, in one command or the next', () => {
    // Keys are encoded once and copied afterwards; long ones (over 1 KB) are never kept.
    const keys = ['cch:lim:user:u1:rpm', 'cch:lim:user:u1:rpm', 'ключ:é', 'k'.repeat(2_000)];
    const first = encodedBytes(sha, keys, ['a', 1]);
    expect(first).toEqual(ioredisBytes(sha, keys, ['a', 1]));
    expect(encodedBytes(sha, [...keys].reverse(), [2])).toEqual(
      ioredisBytes(sha, [...keys].reverse(), [2]),
    );
    expect(encodedBytes(sha, keys, ['a', 1])).toEqual(first);
  });

  it('should match with no keys at all', () => {
    expect(encodedBytes(sha, [], ['x', 1])).toEqual(ioredisBytes(sha, [], ['x', 1]));
  });

  it('should start with the RESP array header and the command name', () => {
    const text = encodedBytes(sha, ['k'], [7]).toString('utf8');
    expect(text).toBe(`*5\r\n$7\r\nevalsha\r\n$40\r\n${sha}\r\n$1\r\n1\r\n$1\r\nk\r\n$1\r\n7\r\n`);
  });
});
