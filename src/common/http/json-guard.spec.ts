import { adminJsonProblem, MAX_ADMIN_JSON_DEPTH, urlHasNul } from './json-guard';

describe('adminJsonProblem', () => {
  it('should accept ordinary bodies, brackets inside strings included', () => {
    expect(adminJsonProblem('{"name":"a [[[ {{{ \\" b","limits":{"rpm":5}}')).toBeNull();
  });

  it('should refuse nesting past the limit and accept it at the limit', () => {
    expect(
      adminJsonProblem('['.repeat(MAX_ADMIN_JSON_DEPTH) + ']'.repeat(MAX_ADMIN_JSON_DEPTH)),
    ).toBeNull();
    expect(adminJsonProblem('['.repeat(MAX_ADMIN_JSON_DEPTH + 1))).toMatch(/nests deeper/);
    expect(adminJsonProblem('{"a":'.repeat(10_000))).toMatch(/nests deeper/);
  });

  it('should refuse NUL characters, escaped or raw, but not an escaped backslash before u0000', () => {
    expect(adminJsonProblem('{"name":"a\\u0000b"}')).toMatch(/NUL/);
    expect(adminJsonProblem('{"name":"a\u0000b"}')).toMatch(/NUL/);
    expect(adminJsonProblem('{"name":"a\\\\u0000b"}')).toBeNull();
  });
});

describe('urlHasNul', () => {
  it('should find raw and encoded NULs', () => {
    expect(urlHasNul('/api/prices/%00')).toBe(true);
    expect(urlHasNul('/api/prices/x%00y')).toBe(true);
    expect(urlHasNul('/api/prices/claude%2A')).toBe(false);
  });
});
