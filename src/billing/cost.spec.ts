import { IrUsage } from '../protocols/ir/ir-usage';
import { appliedPrices, computeCost, decimalCost, PriceTerms } from './cost';
import { seededRandom } from '../../test/support/random-splits';

/** Claude Sonnet 4.5 list prices with its (historical) >200k tier. */
const SONNET: PriceTerms = {
  input: '3',
  output: '15',
  cacheWrite5m: '3.75',
  cacheWrite1h: '6',
  cacheRead: '0.3',
  longContextThreshold: 200_000,
  longInput: '6',
  longOutput: '22.5',
  longCacheWrite5m: '7.5',
  longCacheWrite1h: '12',
  longCacheRead: '0.6',
};

/** GPT-5 as the bundled snapshot has it: cache writes at the input price, no tier. */
const GPT5: PriceTerms = {
  input: '1.25',
  output: '10',
  cacheWrite5m: '1.25',
  cacheWrite1h: '1.25',
  cacheRead: '0.125',
  longContextThreshold: null,
  longInput: null,
  longOutput: null,
  longCacheWrite5m: null,
  longCacheWrite1h: null,
  longCacheRead: null,
};

/** Gemini 2.5 Pro as the bundled snapshot has it. */
const GEMINI_PRO: PriceTerms = {
  input: '1.25',
  output: '10',
  cacheWrite5m: '1.25',
  cacheWrite1h: '1.25',
  cacheRead: '0.125',
  longContextThreshold: 200_000,
  longInput: '2.5',
  longOutput: '15',
  longCacheWrite5m: '2.5',
  longCacheWrite1h: '2.5',
  longCacheRead: '0.25',
};

/** An admin price with only the required fields: every cache price falls back. */
const BARE: PriceTerms = {
  ...GPT5,
  input: '2',
  output: '8',
  cacheWrite5m: null,
  cacheWrite1h: null,
  cacheRead: null,
};

function usage(partial: Partial<IrUsage>): IrUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    reasoningTokens: 0,
    ...partial,
  };
}

describe('computeCost', () => {
  describe('each token kind', () => {
    it.each([
      ['input', { inputTokens: 100_000 }, '0.3'],
      ['output', { outputTokens: 1_000 }, '0.015'],
      ['5-minute cache write', { cacheWrite5mTokens: 1_000 }, '0.00375'],
      ['1-hour cache write', { cacheWrite1hTokens: 1_000 }, '0.006'],
      ['cache read', { cacheReadTokens: 1_000 }, '0.0003'],
      ['nothing', {}, '0'],
    ])('should price %s', (_kind, tokens, expected) => {
      expect(computeCost(usage(tokens), SONNET, '1')).toBe(expected);
    });

    it('should add every kind', () => {
      // 1000×3 + 500×15 + 2000×3.75 + 100×6 + 10000×0.3 = 3000+7500+7500+600+3000 = 21600 / 1e6
      const mixed = usage({
        inputTokens: 1000,
        outputTokens: 500,
        cacheWrite5mTokens: 2000,
        cacheWrite1hTokens: 100,
        cacheReadTokens: 10000,
      });
      expect(computeCost(mixed, SONNET, '1')).toBe('0.0216');
    });

    it('should not charge reasoning tokens twice (they are inside outputTokens)', () => {
      expect(computeCost(usage({ outputTokens: 1000, reasoningTokens: 800 }), SONNET, '1')).toBe(
        '0.015',
      );
    });
  });

  describe('multiplier', () => {
    const mixed = usage({
      inputTokens: 1000,
      outputTokens: 500,
      cacheWrite5mTokens: 2000,
      cacheWrite1hTokens: 100,
      cacheReadTokens: 10000,
    });

    it.each([
      ['1.25', '0.027'],
      ['0.3333', '0.00719928'],
      ['0', '0'],
      ['2', '0.0432'],
    ])('should apply %s exactly', (multiplier, expected) => {
      expect(computeCost(mixed, SONNET, multiplier)).toBe(expected);
    });

    it('should round half up to 10 decimal places, once, at the end', () => {
      // 1 token × 0.00015 / 1e6 = 0.00000000015 → 0.0000000002
      const tiny: PriceTerms = { ...GPT5, input: '0.00015' };
      expect(computeCost(usage({ inputTokens: 1 }), tiny, '1')).toBe('0.0000000002');
      // 3 tokens × 3 / 1e6 × 0.3333 = 0.0000029997 (exact at 10 places, nothing lost)
      expect(computeCost(usage({ inputTokens: 3 }), SONNET, '0.3333')).toBe('0.0000029997');
    });
  });

  describe('long-context tier', () => {
    // 100000 + 50000 + 40000 + 10000 = 200000 input tokens in all: not above the threshold.
    const atThreshold = usage({
      inputTokens: 100_000,
      cacheReadTokens: 50_000,
      cacheWrite5mTokens: 40_000,
      cacheWrite1hTokens: 10_000,
      outputTokens: 1_000,
    });

    it('should use base prices at exactly the threshold', () => {
      // 100000×3 + 50000×0.3 + 40000×3.75 + 10000×6 + 1000×15 = 540000 / 1e6
      expect(computeCost(atThreshold, SONNET, '1')).toBe('0.54');
    });

    it('should price the whole request, output included, at the long rates above it', () => {
      const above = { ...atThreshold, inputTokens: 100_001 };
      // 100001×6 + 50000×0.6 + 40000×7.5 + 10000×12 + 1000×22.5 = 1072506 / 1e6
      expect(computeCost(above, SONNET, '1')).toBe('1.072506');
      expect(appliedPrices(above, SONNET).longContext).toBe(true);
    });

    it('should count cache reads and writes towards the threshold', () => {
      // 10 + 200000 cached = 200010 > 200000: 10×6 + 200000×0.6 = 120060 / 1e6
      const cached = usage({ inputTokens: 10, cacheReadTokens: 200_000 });
      expect(computeCost(cached, SONNET, '1')).toBe('0.12006');
    });

    it('should apply the multiplier in the tier too', () => {
      const cached = usage({ inputTokens: 10, cacheReadTokens: 200_000 });
      expect(computeCost(cached, SONNET, '1.5')).toBe('0.18009');
    });

    it('should fall back per kind to the base price when a long price is missing', () => {
      const partial: PriceTerms = { ...SONNET, longOutput: null, longCacheRead: null };
      const above = usage({ inputTokens: 200_001, outputTokens: 1000, cacheReadTokens: 0 });
      // 200001×6 + 1000×15 (base output) = 1215006 / 1e6
      expect(computeCost(above, partial, '1')).toBe('1.215006');
    });
  });

  describe('missing cache prices', () => {
    it.each([
      ['5-minute write: 1.25 × input', { cacheWrite5mTokens: 1_000_000 }, '2.5'],
      ['1-hour write: 2 × input', { cacheWrite1hTokens: 1_000_000 }, '4'],
      ['read: 0.1 × input', { cacheReadTokens: 1_000_000 }, '0.2'],
    ])('should price a %s', (_kind, tokens, expected) => {
      expect(computeCost(usage(tokens), BARE, '1')).toBe(expected);
    });

    it('should derive them from the long input price inside the tier', () => {
      const tiered: PriceTerms = {
        ...BARE,
        longContextThreshold: 1000,
        longInput: '4',
        longOutput: '16',
      };
      // 1001 > 1000: 1×4 + 1000×(0.1×4) = 404 / 1e6
      expect(computeCost(usage({ inputTokens: 1, cacheReadTokens: 1000 }), tiered, '1')).toBe(
        '0.000404',
      );
    });
  });

  it('should not lose precision on very large counts', () => {
    const big = usage({ inputTokens: 123_456_789_012, outputTokens: 987_654_321_098 });
    // 123456789012×3 + 987654321098×15 = 370370367036 + 14814814816470 = 15185185183506 / 1e6
    expect(computeCost(big, { ...SONNET, longContextThreshold: null }, '1')).toBe(
      '15185185.183506',
    );
    expect(computeCost(usage({ inputTokens: 7 }), SONNET, '0.0001')).toBe('0.0000000021');
  });

  describe('usage shapes of each protocol (normalised as protocols.md §C.2)', () => {
    it('should price an Anthropic response', () => {
      // usage: {input_tokens: 2095, cache_creation_input_tokens: 1200,
      //   cache_creation: {ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 200},
      //   cache_read_input_tokens: 30000, output_tokens: 512}
      const anthropic = usage({
        inputTokens: 2095,
        cacheWrite5mTokens: 1000,
        cacheWrite1hTokens: 200,
        cacheReadTokens: 30000,
        outputTokens: 512,
      });
      // 2095×3 + 1000×3.75 + 200×6 + 30000×0.3 + 512×15 = 6285+3750+1200+9000+7680 = 27915
      expect(computeCost(anthropic, SONNET, '1')).toBe('0.027915');
    });

    it('should price an OpenAI Responses response (cached tokens inside input_tokens)', () => {
      // usage: {input_tokens: 12000, input_tokens_details: {cached_tokens: 8000},
      //   output_tokens: 900, output_tokens_details: {reasoning_tokens: 600}}
      const responses = usage({
        inputTokens: 12000 - 8000,
        cacheReadTokens: 8000,
        outputTokens: 900,
        reasoningTokens: 600,
      });
      // 4000×1.25 + 8000×0.125 + 900×10 = 5000+1000+9000 = 15000
      expect(computeCost(responses, GPT5, '1')).toBe('0.015');
    });

    it('should price an OpenAI Chat Completions response', () => {
      // usage: {prompt_tokens: 5000, prompt_tokens_details: {cached_tokens: 1000},
      //   completion_tokens: 200, completion_tokens_details: {reasoning_tokens: 50}}
      const chat = usage({
        inputTokens: 5000 - 1000,
        cacheReadTokens: 1000,
        outputTokens: 200,
        reasoningTokens: 50,
      });
      // 4000×1.25 + 1000×0.125 + 200×10 = 5000+125+2000 = 7125
      expect(computeCost(chat, GPT5, '1')).toBe('0.007125');
    });

    it('should price a Gemini response below the tier', () => {
      // usageMetadata: {promptTokenCount: 120000, cachedContentTokenCount: 100000,
      //   candidatesTokenCount: 500, thoughtsTokenCount: 500}
      const gemini = usage({
        inputTokens: 120000 - 100000,
        cacheReadTokens: 100000,
        outputTokens: 500 + 500,
        reasoningTokens: 500,
      });
      // 20000×1.25 + 100000×0.125 + 1000×10 = 25000+12500+10000 = 47500
      expect(computeCost(gemini, GEMINI_PRO, '1')).toBe('0.0475');
    });

    it('should price a Gemini response above the tier (prompt incl. cache > 200k)', () => {
      // usageMetadata: {promptTokenCount: 250000, cachedContentTokenCount: 50000,
      //   candidatesTokenCount: 1000, thoughtsTokenCount: 3000}
      const gemini = usage({
        inputTokens: 250000 - 50000,
        cacheReadTokens: 50000,
        outputTokens: 1000 + 3000,
        reasoningTokens: 3000,
      });
      // 200000×2.5 + 50000×0.25 + 4000×15 = 500000+12500+60000 = 572500
      expect(computeCost(gemini, GEMINI_PRO, '1')).toBe('0.5725');
    });
  });
});

describe('computeCost integer path', () => {
  it('should equal the decimal computation on seeded random prices, usage and multipliers', () => {
    const random = seededRandom(0xb111);
    const decimal = (maxWhole: number, maxDecimals: number): string => {
      const whole = String(Math.floor(random() * maxWhole));
      const places = Math.floor(random() * (maxDecimals + 1));
      const digits = Array.from({ length: places }, () => String(Math.floor(random() * 10)));
      return places > 0 ? `${whole}.${digits.join('')}` : whole;
    };
    const maybe = (value: string): string | null => (random() < 0.3 ? null : value);
    const tokens = (): number =>
      random() < 0.3 ? 0 : Math.floor(random() * 10 ** Math.floor(random() * 9));
    let integerPathRuns = 0;
    for (let round = 0; round < 3000; round += 1) {
      // Up to 14 decimals: some prices (and multipliers) need the decimal path.
      const price: PriceTerms = {
        input: decimal(100, 14),
        output: decimal(100, 8),
        cacheWrite5m: maybe(decimal(10, 6)),
        cacheWrite1h: maybe(decimal(10, 6)),
        cacheRead: maybe(decimal(10, 13)),
        longContextThreshold: random() < 0.5 ? 200_000 : null,
        longInput: maybe(decimal(100, 6)),
        longOutput: maybe(decimal(100, 6)),
        longCacheWrite5m: maybe(decimal(10, 6)),
        longCacheWrite1h: null,
        longCacheRead: maybe(decimal(10, 6)),
      };
      const used = usage({
        inputTokens: tokens(),
        outputTokens: tokens(),
        cacheWrite5mTokens: tokens(),
        cacheWrite1hTokens: tokens(),
        cacheReadTokens: tokens(),
      });
      const multiplier = random() < 0.3 ? '1' : decimal(3, 12);
      const expected = decimalCost(used, appliedPrices(used, price), multiplier);
      expect({ price, used, multiplier, cost: computeCost(used, price, multiplier) }).toEqual({
        price,
        used,
        multiplier,
        cost: expected,
      });
      if (!price.input.includes('.') || price.input.split('.')[1].length <= 12)
        integerPathRuns += 1;
    }
    expect(integerPathRuns).toBeGreaterThan(1500);
  });
});
