import { isModelAllowed, matchesModelPattern, resolveModelRedirect } from './model-patterns';

describe('matchesModelPattern', () => {
  it('should match exact names only when there is no trailing star', () => {
    expect(matchesModelPattern('claude-sonnet-4', 'claude-sonnet-4')).toBe(true);
    expect(matchesModelPattern('claude-sonnet-4', 'claude-sonnet-4-5')).toBe(false);
    expect(matchesModelPattern('claude-sonnet-4', 'Claude-Sonnet-4')).toBe(false);
  });

  it('should treat a trailing star as a prefix match', () => {
    expect(matchesModelPattern('claude-*', 'claude-opus-4')).toBe(true);
    expect(matchesModelPattern('claude-*', 'claude-')).toBe(true);
    expect(matchesModelPattern('claude-*', 'gpt-5')).toBe(false);
    expect(matchesModelPattern('claude-*', 'claude')).toBe(false);
  });

  it('should let a lone star match everything', () => {
    expect(matchesModelPattern('*', 'anything')).toBe(true);
    expect(matchesModelPattern('*', '')).toBe(true);
  });

  it('should treat a star that is not trailing as a literal character', () => {
    expect(matchesModelPattern('claude-*-sonnet', 'claude-3-sonnet')).toBe(false);
    expect(matchesModelPattern('claude-*-sonnet', 'claude-*-sonnet')).toBe(true);
  });
});

describe('isModelAllowed', () => {
  it('should admit every model when the allowlist is absent or empty', () => {
    expect(isModelAllowed(null, 'x')).toBe(true);
    expect(isModelAllowed(undefined, 'x')).toBe(true);
    expect(isModelAllowed([], 'x')).toBe(true);
  });

  it('should admit only models matching some entry', () => {
    const allowlist = ['gpt-5', 'claude-*'];
    expect(isModelAllowed(allowlist, 'gpt-5')).toBe(true);
    expect(isModelAllowed(allowlist, 'claude-haiku-4')).toBe(true);
    expect(isModelAllowed(allowlist, 'gpt-5-mini')).toBe(false);
    expect(isModelAllowed(allowlist, 'gemini-2.5-pro')).toBe(false);
  });
});

describe('resolveModelRedirect', () => {
  const redirects = {
    '*': 'fallback',
    'claude-*': 'claude-any',
    'claude-opus-*': 'claude-opus-any',
    'claude-opus-4': 'claude-opus-4-exact',
  };

  it('should prefer an exact key over any prefix', () => {
    expect(resolveModelRedirect(redirects, 'claude-opus-4')).toBe('claude-opus-4-exact');
  });

  it('should pick the longest matching prefix regardless of key order', () => {
    expect(resolveModelRedirect(redirects, 'claude-opus-4-1')).toBe('claude-opus-any');
    expect(resolveModelRedirect(redirects, 'claude-sonnet-4')).toBe('claude-any');
    expect(resolveModelRedirect(redirects, 'gpt-5')).toBe('fallback');
    const reversed = Object.fromEntries(Object.entries(redirects).reverse());
    expect(resolveModelRedirect(reversed, 'claude-opus-4-1')).toBe('claude-opus-any');
  });

  it('should return the model unchanged when nothing matches', () => {
    expect(resolveModelRedirect({ 'claude-*': 'x' }, 'gpt-5')).toBe('gpt-5');
    expect(resolveModelRedirect({}, 'gpt-5')).toBe('gpt-5');
    expect(resolveModelRedirect(null, 'gpt-5')).toBe('gpt-5');
  });

  it('should ignore inherited properties of the redirect object', () => {
    expect(resolveModelRedirect({}, '__proto__')).toBe('__proto__');
    expect(resolveModelRedirect({}, 'constructor')).toBe('constructor');
    expect(resolveModelRedirect({}, 'toString')).toBe('toString');
  });
});
