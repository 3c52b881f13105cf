import { emptyUsage } from './ir-usage';

describe(emptyUsage.name, () => {
  it('should return all counters at zero when called', () => {
    expect(emptyUsage()).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('should return a fresh object when called twice', () => {
    const first = emptyUsage();
    first.inputTokens = 5;
    expect(emptyUsage().inputTokens).toBe(0);
  });
});
