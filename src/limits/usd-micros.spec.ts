import { MAX_MICROS, microsToUsd, replyMicros, usdToMicros } from './usd-micros';

describe('usd-micros', () => {
  it('should convert exactly, rounding in the requested direction', () => {
    expect(usdToMicros('12.5', 'down')).toBe(12_500_000n);
    expect(usdToMicros('0.1', 'up')).toBe(100_000n);
    expect(usdToMicros('0.0000001', 'up')).toBe(1n);
    expect(usdToMicros('0.0000009', 'down')).toBe(0n);
    expect(usdToMicros('0.0000005', 'half-up')).toBe(1n);
    expect(usdToMicros('0.0000004999', 'half-up')).toBe(0n);
    // Binary floating point would get this wrong: 0.1 + 0.2 style sums stay exact.
    expect(usdToMicros('0.3000001', 'down')).toBe(300_000n);
  });

  it('should reject what is not a non-negative decimal and clamp the huge', () => {
    for (const bad of ['', '-1', 'abc', '1e3', 'NaN', '1.']) {
      expect(() => usdToMicros(bad, 'up')).toThrow();
    }
    expect(usdToMicros('100000000000', 'down')).toBe(MAX_MICROS);
  });

  it('should print micro-dollars as plain decimals', () => {
    expect(microsToUsd(12_500_000n)).toBe('12.5');
    expect(microsToUsd(0n)).toBe('0');
    expect(microsToUsd(1n)).toBe('0.000001');
  });

  it('should read Redis replies', () => {
    expect(replyMicros('42')).toBe(42n);
    expect(replyMicros(7)).toBe(7n);
    expect(replyMicros(null)).toBe(0n);
  });
});
