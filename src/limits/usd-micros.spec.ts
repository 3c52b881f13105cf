import Decimal from 'decimal.js';
import { MAX_MICROS, MicroRounding, microsToUsd, replyMicros, usdToMicros } from './usd-micros';
import { seededRandom } from '../../test/support/random-splits';

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

  it('should agree with decimal arithmetic on seeded random amounts in every rounding', () => {
    const random = seededRandom(0xc0575);
    const modes: Record<MicroRounding, Decimal.Rounding> = {
      up: Decimal.ROUND_UP,
      down: Decimal.ROUND_DOWN,
      'half-up': Decimal.ROUND_HALF_UP,
    };
    for (let i = 0; i < 2000; i += 1) {
      const whole = String(Math.floor(random() * 10 ** Math.floor(random() * 7)));
      const digits = Array.from({ length: Math.floor(random() * 14) }, () =>
        String(Math.floor(random() * 10)),
      ).join('');
      const usd = digits ? `${whole}.${digits}` : whole;
      for (const [mode, decimalMode] of Object.entries(modes)) {
        const expected = new Decimal(usd).mul(1_000_000).toDecimalPlaces(0, decimalMode).toFixed(0);
        expect({ usd, mode, micros: usdToMicros(usd, mode as MicroRounding).toString() }).toEqual({
          usd,
          mode,
          micros: expected,
        });
      }
      const micros = usdToMicros(usd, 'down');
      expect(microsToUsd(micros)).toBe(new Decimal(micros.toString()).div(1_000_000).toFixed());
    }
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
    expect(microsToUsd(-1_500_000n)).toBe('-1.5');
    expect(microsToUsd(1_000_000n)).toBe('1');
  });

  it('should read Redis replies', () => {
    expect(replyMicros('42')).toBe(42n);
    expect(replyMicros(7)).toBe(7n);
    expect(replyMicros(null)).toBe(0n);
  });
});
