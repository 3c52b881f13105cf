import { computeCost, ModelPriceRow } from './cost';
import { PriceSource } from './model-price.entity';
import { PriceIndex } from './price-index';
import { loadSnapshot, parseSnapshot } from './price-snapshot';
import { sameTerms } from './price-seeder.service';

let nextId = 1;

function row(
  model: string,
  input: string,
  effectiveFrom: string,
  source = PriceSource.Bundled,
): ModelPriceRow {
  return {
    id: String(nextId++),
    model,
    source,
    effectiveFrom: new Date(effectiveFrom),
    input,
    output: '1',
    cacheWrite5m: null,
    cacheWrite1h: null,
    cacheRead: null,
    longContextThreshold: null,
    longInput: null,
    longOutput: null,
    longCacheWrite5m: null,
    longCacheWrite1h: null,
    longCacheRead: null,
  };
}

const T0 = '1970-01-01T00:00:00Z';
const at = (iso: string): Date => new Date(iso);

describe(PriceIndex.name, () => {
  describe('pattern choice', () => {
    const index = PriceIndex.build(
      [
        row('claude-*', '100', T0),
        row('claude-sonnet-4*', '3', T0),
        row('claude-sonnet-4-5-special', '1', T0),
        row('later*', '9', '2030-01-01T00:00:00Z'),
        row('lat*', '8', T0),
      ],
      [],
    );

    it('should prefer the exact name, then the longest prefix', () => {
      expect(index.priceFor('claude-sonnet-4-5-special')?.row.input).toBe('1');
      expect(index.priceFor('claude-sonnet-4-0')?.row.input).toBe('3');
      expect(index.priceFor('claude-haiku')?.row.input).toBe('100');
    });

    it('should return null for an unknown model', () => {
      expect(index.priceFor('gpt-unknown')).toBeNull();
    });

    it('should skip a pattern with no row in force yet', () => {
      expect(index.priceFor('later-model', at('2026-01-01T00:00:00Z'))?.row.input).toBe('8');
      expect(index.priceFor('later-model', at('2031-01-01T00:00:00Z'))?.row.input).toBe('9');
    });

    it('should give the row id as the version', () => {
      const match = index.priceFor('claude-sonnet-4-0');
      expect(match?.version).toBe(match?.row.id);
    });
  });

  describe('history and precedence', () => {
    const bundledOld = row('m*', '1', T0);
    const bundledNew = row('m*', '2', '2026-06-01T00:00:00Z');
    const admin = row('m*', '5', '2026-03-01T00:00:00Z', PriceSource.Admin);
    const bundledLater = row('m*', '3', '2027-01-01T00:00:00Z');
    const index = PriceIndex.build(
      [bundledOld, bundledNew, admin, bundledLater],
      [{ id: String(nextId++), model: 'm*', effectiveFrom: at('2026-09-01T00:00:00Z') }],
    );
    const priceAt = (iso: string): string | undefined => index.priceFor('m-1', at(iso))?.row.input;

    it('should use the latest bundled row before any admin row', () => {
      expect(priceAt('2026-01-01T00:00:00Z')).toBe('1');
    });

    it('should let the admin row override bundled rows from its effective time on', () => {
      expect(priceAt('2026-03-01T00:00:00Z')).toBe('5');
      // A bundled change effective later does not beat the admin override.
      expect(priceAt('2026-07-01T00:00:00Z')).toBe('5');
    });

    it('should fall back to the bundled price in force after a tombstone', () => {
      expect(priceAt('2026-09-01T00:00:00Z')).toBe('2');
      expect(priceAt('2027-02-01T00:00:00Z')).toBe('3');
    });

    it('should let a new admin row after a tombstone override again', () => {
      const again = row('m*', '7', '2026-10-01T00:00:00Z', PriceSource.Admin);
      const rebuilt = PriceIndex.build(
        [bundledOld, bundledNew, admin, again],
        [{ id: String(nextId++), model: 'm*', effectiveFrom: at('2026-09-01T00:00:00Z') }],
      );
      expect(rebuilt.priceFor('m', at('2026-10-02T00:00:00Z'))?.row.input).toBe('7');
    });

    it('should list the patterns in force', () => {
      expect(index.patternsInForce(at('2026-01-01T00:00:00Z'))).toEqual(['m*']);
      expect(PriceIndex.empty().patternsInForce()).toEqual([]);
    });
  });
});

describe('bundled snapshot (config/model-prices.snapshot.json)', () => {
  const snapshot = loadSnapshot();
  const rows: ModelPriceRow[] = snapshot.prices.map((price) => ({
    ...price,
    id: String(nextId++),
    source: PriceSource.Bundled,
  }));
  const index = PriceIndex.build(rows, []);
  const now = at('2026-11-26T00:00:00Z');

  it('should come from the maintained package, not a hand-typed table', () => {
    expect(snapshot.source).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+$/);
    expect(snapshot.prices.length).toBeGreaterThan(100);
  });

  it('should price current Anthropic models with their cache kinds', () => {
    const sonnet = index.priceFor('claude-sonnet-4-5-20250929', now)?.row;
    expect(sonnet).toMatchObject({
      input: '3',
      output: '15',
      cacheWrite5m: '3.75',
      cacheWrite1h: '6',
      cacheRead: '0.3',
      longContextThreshold: 200000,
      longInput: '6',
    });
    expect(index.priceFor('claude-haiku-4-5-20251001', now)?.row).toMatchObject({
      input: '1',
      output: '5',
      cacheRead: '0.1',
    });
  });

  it('should carry dated price changes as separate periods', () => {
    const before = index.priceFor('claude-opus-4-6', at('2026-03-12T00:00:00Z'))?.row;
    const after = index.priceFor('claude-opus-4-6', at('2026-03-13T00:00:00Z'))?.row;
    expect(before?.longContextThreshold).toBe(200000);
    expect(after?.longContextThreshold).toBeNull();
  });

  it('should price OpenAI and Gemini models, cache writes explicit at the input price', () => {
    expect(index.priceFor('gpt-5-codex', now)?.row).toMatchObject({
      input: '1.25',
      output: '10',
      cacheRead: '0.125',
      cacheWrite5m: '1.25',
    });
    const gemini = index.priceFor('gemini-2.5-pro', now)?.row;
    expect(gemini).toMatchObject({ input: '1.25', longContextThreshold: 200000, longInput: '2.5' });
    expect(
      computeCost(
        {
          inputTokens: 1000,
          outputTokens: 100,
          cacheReadTokens: 0,
          cacheWrite5mTokens: 0,
          cacheWrite1hTokens: 0,
          reasoningTokens: 0,
        },
        gemini!,
        '1',
      ),
    ).toBe('0.00225');
  });
});

describe('parseSnapshot', () => {
  const valid = {
    source: 'test',
    date: '2026-11-26',
    prices: [{ model: 'a*', effectiveFrom: T0, input: '1', output: '2' }],
  };

  it('should accept a minimal entry and default the optional prices to null', () => {
    expect(parseSnapshot(valid).prices[0]).toMatchObject({ cacheRead: null, longInput: null });
  });

  it.each([
    ['a float price', { input: 0.1 }],
    ['a bad decimal', { output: '1e-7' }],
    ['a bad pattern', { model: 'a*b' }],
    ['a bad date', { effectiveFrom: 'soon' }],
    ['a bad threshold', { longContextThreshold: 1.5 }],
  ])('should refuse %s', (_what, change) => {
    expect(() => parseSnapshot({ ...valid, prices: [{ ...valid.prices[0], ...change }] })).toThrow(
      /prices\[0]/,
    );
  });
});

describe('sameTerms', () => {
  it('should compare decimals numerically', () => {
    const a = row('x', '3', T0);
    expect(sameTerms(a, { ...a, input: '3.0000000000' })).toBe(true);
    expect(sameTerms(a, { ...a, input: '3.1' })).toBe(false);
    expect(sameTerms(a, { ...a, cacheRead: '0' })).toBe(false);
  });
});
