import {
  forEachMember,
  JsonScanError,
  JsonSpan,
  jsonStringAt,
  keyIs,
  parseJsonSpan,
  skipJsonValue,
  walkArray,
  walkDocument,
} from './json-scan';

/** The members of an object as a map (the last duplicate winning), or null for another value. */
function scanObject(raw: Buffer, span?: JsonSpan): Map<string, JsonSpan> | null {
  const members = new Map<string, JsonSpan>();
  return forEachMember(raw, span, (key, value) => members.set(key, value)) ? members : null;
}

/** The spans of an array's elements, or null for another value. */
function scanArray(raw: Buffer, span: JsonSpan): JsonSpan[] | null {
  if (raw[span.start] !== 0x5b) return null;
  const elements: JsonSpan[] = [];
  walkArray(raw, span.start, (_index, start) => {
    const end = skipJsonValue(raw, start);
    elements.push({ start, end });
    return end;
  });
  return elements;
}
import { seededRandom } from '../../../test/support/random-splits';

/** Random JSON without escapes or control characters (the scan leaves those to the upstream). */
function randomDocument(random: () => number): unknown {
  const words = ['model', 'a', '', 'é🙂 ünï', 'x'.repeat(60), 'role', 'text with spaces'];
  const pick = (): string => words[Math.floor(random() * words.length)];
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 4 || r < 0.25) return pick();
    if (r < 0.35) return Math.floor(random() * 2000) - 1000;
    if (r < 0.4) return (random() - 0.5) * 1e6;
    if (r < 0.45) return [true, false, null][Math.floor(random() * 3)];
    if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(random() * 4); i > 0; i--) object[pick()] = value(depth + 1);
    return object;
  };
  return random() < 0.9 ? value(0) : pick();
}

function accepts(text: string): boolean {
  try {
    scanObject(Buffer.from(text));
    return true;
  } catch (error: unknown) {
    if (!(error instanceof JsonScanError)) throw error;
    return false;
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe(scanObject.name, () => {
  it('should report each top-level member with its value span, the last duplicate winning', () => {
    const raw = Buffer.from(' {"model" : "a", "n":[1,{"model":2}], "model":"b", "x":{} } ');
    const members = scanObject(raw);
    expect([...(members?.keys() ?? [])]).toEqual(['model', 'n', 'x']);
    const model = members?.get('model');
    expect(model && jsonStringAt(raw, model)).toBe('b');
    const n = members?.get('n');
    expect(n && parseJsonSpan(raw, n)).toEqual([1, { model: 2 }]);
  });

  it('should decode escaped keys and values, and find the end of strings ending in backslashes', () => {
    const text = JSON.stringify({
      'mod\u0065l': 'say "hi"\\',
      long: `${'y'.repeat(100)}\\"${'z'.repeat(100)}\\\\`,
      after: 1,
    });
    const raw = Buffer.from(text.replace('model', 'mod\\u0065l'));
    const members = scanObject(raw);
    const model = members?.get('model');
    expect(model && jsonStringAt(raw, model)).toBe('say "hi"\\');
    const long = members?.get('long');
    expect(long && jsonStringAt(raw, long)).toBe(`${'y'.repeat(100)}\\"${'z'.repeat(100)}\\\\`);
    expect(members?.get('after')).toBeDefined();
  });

  it('should return null for a valid document that is not an object', () => {
    expect(scanObject(Buffer.from('[1, 2]'))).toBeNull();
    expect(scanObject(Buffer.from(' "text" '))).toBeNull();
    expect(scanObject(Buffer.from('null'))).toBeNull();
  });

  it.each([
    ['an empty body', ''],
    ['only whitespace', '  \n'],
    ['an unterminated object', '{"a":1'],
    ['an unterminated string', '{"a":"b}'],
    ['a missing colon', '{"a" 1}'],
    ['a trailing comma', '{"a":1,}'],
    ['a trailing comma in an array', '{"a":[1,]}'],
    ['a missing comma', '{"a":1 "b":2}'],
    ['a bare word', '{"a":tru}'],
    ['a leading zero', '{"a":01}'],
    ['a lone minus', '{"a":-}'],
    ['a fraction without digits', '{"a":1.}'],
    ['an exponent without digits', '{"a":1e+}'],
    ['trailing content', '{"a":1} x'],
    ['two documents', '{}{}'],
    ['an unquoted key', '{a:1}'],
    ['a mismatched bracket', '{"a":[1}'],
    ['a byte-order mark', '\ufeff{}'],
  ])('should refuse %s', (_name, text) => {
    expect(parses(text)).toBe(false);
    expect(accepts(text)).toBe(false);
  });

  it('should not overflow the call stack on deep nesting', () => {
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(accepts(deep)).toBe(true);
    expect(accepts(`{"a":${'['.repeat(100_000)}}`)).toBe(false);
  });

  it('should agree with JSON.parse on seeded random documents and their mutations', () => {
    const random = seededRandom(0x1eaf);
    // Mutations never add a backslash or a control character (not checked inside strings).
    const inserts = ['{', '}', '[', ']', ',', ':', '"', '0', '-', '.', 'e', 't', 'n', ' ', 'x'];
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const document = randomDocument(random);
      const text = JSON.stringify(document, null, round % 3 === 0 ? 1 : undefined);
      expect(accepts(text)).toBe(true);
      const at = Math.floor(random() * (text.length + 1));
      const edited =
        random() < 0.5
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + inserts[Math.floor(random() * inserts.length)] + text.slice(at);
      // As the bytes on the wire decode (an edit may split a surrogate pair).
      const mutated = Buffer.from(edited).toString('utf8');
      const valid = parses(mutated);
      if (!valid) refused += 1;
      expect({ mutated, accepted: accepts(mutated) }).toEqual({ mutated, accepted: valid });
      if (valid) {
        const parsed: unknown = JSON.parse(mutated);
        const raw = Buffer.from(mutated);
        const members = scanObject(raw);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          const fromSpans = Object.fromEntries(
            [...(members ?? [])].map(([key, span]) => [key, parseJsonSpan(raw, span)]),
          );
          expect(fromSpans).toEqual(parsed);
        } else {
          expect(members).toBeNull();
        }
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });
});

describe(scanArray.name, () => {
  it('should give the span of each element, and null for a value that is not an array', () => {
    const raw = Buffer.from('{"m":[ {"role":"user"} , 2, "x" ],"o":{}}');
    const members = scanObject(raw);
    const m = members?.get('m');
    const elements = m ? scanArray(raw, m) : null;
    expect(elements?.map((span) => parseJsonSpan(raw, span))).toEqual([{ role: 'user' }, 2, 'x']);
    const o = members?.get('o');
    expect(o && scanArray(raw, o)).toBeNull();
  });
});

describe(keyIs.name, () => {
  function keysOf(text: string): [string, boolean][] {
    const raw = Buffer.from(text);
    const found: [string, boolean][] = [];
    walkDocument(raw, (key, valueStart) => {
      found.push([raw.toString('utf8', key.start, key.end), keyIs(raw, key, 'role')]);
      return valueStart + 1; // every value below is one digit
    });
    return found;
  }

  it('should match the name, plain or escaped, and nothing else', () => {
    expect(keysOf('{"role":1,"rolE":2,"roles":3,"r\\u006fle":4,"ro\\"le":5,"":6,"rol":7}')).toEqual(
      [
        ['"role"', true],
        ['"rolE"', false],
        ['"roles"', false],
        ['"r\\u006fle"', true],
        ['"ro\\"le"', false],
        ['""', false],
        ['"rol"', false],
      ],
    );
  });
});
