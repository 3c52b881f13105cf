import { boundedMemo } from './bounded-memo';

describe('boundedMemo', () => {
  it('should compute each key once, and again only once it is forgotten', () => {
    const computed: string[] = [];
    const lengthOf = boundedMemo((key) => {
      computed.push(key);
      return key.length;
    }, 2);
    expect([lengthOf('a'), lengthOf('bb'), lengthOf('a'), lengthOf('bb')]).toEqual([1, 2, 1, 2]);
    expect(computed).toEqual(['a', 'bb']);
    // A third key starts the memo over: 'a' is computed again afterwards.
    expect(lengthOf('ccc')).toBe(3);
    expect(lengthOf('a')).toBe(1);
    expect(computed).toEqual(['a', 'bb', 'ccc', 'a']);
  });

  it('should never keep a key longer than the bound', () => {
    let calls = 0;
    const upper = boundedMemo(
      (key) => {
        calls += 1;
        return key.toUpperCase();
      },
      10,
      3,
    );
    expect(upper('abcd')).toBe('ABCD');
    expect(upper('abcd')).toBe('ABCD');
    expect(upper('abc')).toBe('ABC');
    expect(upper('abc')).toBe('ABC');
    expect(calls).toBe(3);
  });
});
