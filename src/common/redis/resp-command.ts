import { Command } from 'ioredis';
import { boundedMemo } from '../cache/bounded-memo';

type Argument = string | number;

/**
 * A command whose RESP bytes are encoded once, here, instead of by ioredis.
 *
 * Why: ioredis encodes a command by appending `"$" + length + "\r\n" + arg + "\r\n"` to one
 * string per argument. The per-request limits scripts carry ~40 keys and arguments each, so that
 * made ~300 short-lived strings per call, then a flattening copy on write: ioredis' `toWritable`
 * was ~14 % of everything a gateway worker allocated per request (sampled with V8's heap
 * profiler), and young-generation pauses are what a c=1 tail is made of. This writes the same
 * bytes straight into one pooled `Buffer`.
 */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly encoded: Buffer,
  ) {
    // Replies as strings, as `redis.evalsha(…)` gives them.
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.encoded;
  }
}

/**
 * `EVALSHA sha numkeys key… arg…` as a ready-to-send command (`redis.sendCommand`). Its bytes
 * are exactly what ioredis would write for `redis.evalsha(sha, keys.length, ...keys, ...args)`.
 */
export function evalshaCommand(
  sha: string,
  keys: readonly string[],
  args: readonly Argument[],
): Command {
  const count = 3 + keys.length + args.length;
  const name = encodedBulk('evalsha');
  const script = encodedBulk(sha);
  let size = 1 + digits(count) + 2 + name.length + script.length + bulkSize(keys.length);
  // Keys are the same few names call after call (a scope's nine), most of a command's bytes:
  // each is encoded once, then copied.
  const encodedKeys = keys.map(encodedBulk);
  for (const key of encodedKeys) size += key.length;
  for (const arg of args) size += bulkSize(arg);

  // allocUnsafe: every byte is written below; commands under 4 KB come from Node's shared pool.
  const buffer = Buffer.allocUnsafe(size);
  let at = writeAscii(buffer, 0, '*');
  at = writeCrlf(buffer, writeInteger(buffer, at, count));
  at = copyInto(buffer, at, name);
  at = copyInto(buffer, at, script);
  at = writeBulk(buffer, at, keys.length);
  for (const key of encodedKeys) at = copyInto(buffer, at, key);
  for (const arg of args) at = writeBulk(buffer, at, arg);
  if (at !== size) throw new Error(`RESP encoding wrote ${at} of ${size} bytes`);
  return new EncodedCommand('evalsha', buffer);
}

/**
 * `$<n>\r\n<text>\r\n` of a key name or other text that recurs, encoded once. Past 20,000
 * names (nine per scope and calendar day) the memo starts over.
 */
const encodedBulk = boundedMemo(
  (text: string): Buffer => {
    const bulk = Buffer.allocUnsafe(bulkSize(text));
    if (writeBulk(bulk, 0, text) !== bulk.length) throw new Error('RESP bulk size mismatch');
    return bulk;
  },
  20_000,
  1_024,
);

function copyInto(buffer: Buffer, at: number, bytes: Buffer): number {
  buffer.set(bytes, at);
  return at + bytes.length;
}

/** Bytes of `$<n>\r\n<value>\r\n`. */
function bulkSize(value: Argument): number {
  const length = isPlainInteger(value) ? digits(value) : byteLength(String(value));
  return 1 + digits(length) + 2 + length + 2;
}

function writeBulk(buffer: Buffer, at: number, value: Argument): number {
  let next = writeAscii(buffer, at, '$');
  if (isPlainInteger(value)) {
    next = writeCrlf(buffer, writeInteger(buffer, next, digits(value)));
    return writeCrlf(buffer, writeInteger(buffer, next, value));
  }
  const text = String(value);
  const length = byteLength(text);
  next = writeCrlf(buffer, writeInteger(buffer, next, length));
  return writeCrlf(buffer, writeText(buffer, next, text, length));
}

/** UTF-8 bytes of `text`; short ASCII text (ids, amounts) is measured without a native call. */
function byteLength(text: string): number {
  if (text.length <= SHORT_TEXT) {
    let index = 0;
    while (index < text.length && text.charCodeAt(index) <= 0x7f) index += 1;
    if (index === text.length) return index;
  }
  return Buffer.byteLength(text);
}

/**
 * Writes `text`, of `length` UTF-8 bytes. Short ASCII text (as many bytes as chars: any other
 * char takes two or more) is copied char by char, cheaper than a call into `buffer.write`.
 */
function writeText(buffer: Buffer, at: number, text: string, length: number): number {
  if (length !== text.length || length > SHORT_TEXT) return at + buffer.write(text, at, 'utf8');
  for (let index = 0; index < length; index += 1) buffer[at + index] = text.charCodeAt(index);
  return at + length;
}

const SHORT_TEXT = 64;

/** Integers whose decimal form `writeInteger` produces; other numbers go through `String`. */
function isPlainInteger(value: Argument): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Characters of a safe integer's decimal form, sign included. */
function digits(value: number): number {
  let count = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) count += 1;
  return count;
}

function writeInteger(buffer: Buffer, at: number, value: number): number {
  let next = at;
  if (value < 0) buffer[next++] = 0x2d; // '-'
  const end = at + digits(value);
  let rest = Math.abs(value);
  for (let index = end - 1; index >= next; index -= 1) {
    buffer[index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end;
}

function writeAscii(buffer: Buffer, at: number, char: string): number {
  buffer[at] = char.charCodeAt(0);
  return at + 1;
}

function writeCrlf(buffer: Buffer, at: number): number {
  buffer[at] = 0x0d;
  buffer[at + 1] = 0x0a;
  return at + 2;
}
