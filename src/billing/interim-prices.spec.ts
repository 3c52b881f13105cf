import { InterimPriceTable } from './interim-prices';

const table = InterimPriceTable.fromJson({
  version: 'test',
  models: {
    'claude-sonnet-4*': {
      input: '3',
      output: '15',
      cacheWrite5m: '3.75',
      cacheWrite1h: '6',
      cacheRead: '0.3',
    },
    'claude-sonnet-4-5-special': {
      input: '1',
      output: '1',
      cacheWrite5m: '1',
      cacheWrite1h: '1',
      cacheRead: '1',
    },
    'claude-*': {
      input: '100',
      output: '100',
      cacheWrite5m: '100',
      cacheWrite1h: '100',
      cacheRead: '100',
    },
  },
});

const usage = {
  inputTokens: 1000,
  outputTokens: 500,
  cacheWrite5mTokens: 2000,
  cacheWrite1hTokens: 100,
  cacheReadTokens: 10000,
  reasoningTokens: 0,
};

describe(InterimPriceTable.name, () => {
  it('should price every token kind exactly', () => {
    // 1000*3 + 500*15 + 2000*3.75 + 100*6 + 10000*0.3 = 3000+7500+7500+600+3000 = 21600 per MTok
    expect(table.cost('claude-sonnet-4-5', usage, '1')).toBe('0.0216');
  });

  it('should apply the provider multiplier exactly', () => {
    expect(table.cost('claude-sonnet-4-5', usage, '1.25')).toBe('0.027');
    expect(table.cost('claude-sonnet-4-5', usage, '0.3333')).toBe('0.00719928');
  });

  it('should prefer exact names, then the longest prefix', () => {
    expect(table.pricesFor('claude-sonnet-4-5-special')?.input).toBe('1');
    expect(table.pricesFor('claude-sonnet-4-0')?.input).toBe('3');
    expect(table.pricesFor('claude-haiku')?.input).toBe('100');
  });

  it('should return null for an unknown model', () => {
    expect(table.cost('gpt-unknown', usage, '1')).toBeNull();
  });

  it('should not lose precision on large counts', () => {
    const big = {
      ...usage,
      inputTokens: 123_456_789_012,
      outputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 0,
    };
    expect(table.cost('claude-sonnet-4-5', big, '1')).toBe('370370.367036');
  });
});
