import { usageFromGemini, usageToGemini } from './gemini.usage';

describe(usageFromGemini.name, () => {
  it('should split cached tokens out of the prompt and add thoughts to the output', () => {
    expect(
      usageFromGemini({
        promptTokenCount: 1200,
        cachedContentTokenCount: 1000,
        candidatesTokenCount: 40,
        thoughtsTokenCount: 25,
        toolUsePromptTokenCount: 5,
        totalTokenCount: 1270,
      }),
    ).toEqual({
      inputTokens: 205,
      outputTokens: 65,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 1000,
      reasoningTokens: 25,
    });
  });

  it.each([
    ['missing', undefined],
    ['not an object', 'x'],
    ['full of junk', { promptTokenCount: -1, candidatesTokenCount: 'x', thoughtsTokenCount: NaN }],
  ])('should give zeros when the metadata is %s', (_name, metadata) => {
    const usage = usageFromGemini(metadata);
    expect(Object.values(usage).every((n) => n === 0)).toBe(true);
  });

  it('should never let the cached count exceed the prompt count', () => {
    expect(usageFromGemini({ promptTokenCount: 10, cachedContentTokenCount: 50 })).toMatchObject({
      inputTokens: 0,
      cacheReadTokens: 10,
    });
  });
});

describe(usageToGemini.name, () => {
  it('should fold cache counters into the prompt and split thoughts from candidates', () => {
    expect(
      usageToGemini({
        inputTokens: 10,
        outputTokens: 100,
        cacheWrite5mTokens: 20,
        cacheWrite1hTokens: 5,
        cacheReadTokens: 300,
        reasoningTokens: 60,
      }),
    ).toEqual({
      promptTokenCount: 335,
      cachedContentTokenCount: 300,
      candidatesTokenCount: 40,
      thoughtsTokenCount: 60,
      totalTokenCount: 435,
    });
  });

  it('should leave the optional counters out when they are zero', () => {
    expect(
      usageToGemini({
        inputTokens: 3,
        outputTokens: 4,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: 0,
        reasoningTokens: 0,
      }),
    ).toEqual({ promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 });
  });

  it('should round-trip Gemini usage without cache writes', () => {
    const metadata = {
      promptTokenCount: 5000,
      cachedContentTokenCount: 4096,
      candidatesTokenCount: 2,
      thoughtsTokenCount: 90,
      totalTokenCount: 5092,
    };
    expect(usageToGemini(usageFromGemini(metadata))).toEqual(metadata);
  });
});
