import { mergeUsage, usageFromResponses, usageToResponses } from './openai-responses.usage';
import { emptyUsage } from '../ir/ir-usage';

describe(usageFromResponses.name, () => {
  it('should take cached and cache-written tokens out of the input count', () => {
    expect(
      usageFromResponses({
        input_tokens: 1200,
        input_tokens_details: { cached_tokens: 1000, cache_write_tokens: 50 },
        output_tokens: 300,
        output_tokens_details: { reasoning_tokens: 128 },
        total_tokens: 1500,
      }),
    ).toEqual({
      inputTokens: 150,
      outputTokens: 300,
      cacheWrite5mTokens: 50,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 1000,
      reasoningTokens: 128,
    });
  });

  it('should clamp details larger than the input count and ignore junk', () => {
    expect(
      usageFromResponses({
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 99 },
        output_tokens: -3,
      }),
    ).toMatchObject({ inputTokens: 0, cacheReadTokens: 10, outputTokens: 0 });
    expect(usageFromResponses(null)).toEqual(emptyUsage());
  });
});

describe(usageToResponses.name, () => {
  it('should round-trip the counts the Responses format can express', () => {
    const wire = {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1000 },
      output_tokens: 300,
      output_tokens_details: { reasoning_tokens: 128 },
      total_tokens: 1500,
    };
    expect(usageToResponses(usageFromResponses(wire))).toEqual(wire);
  });

  it('should give integer zeros for an empty partial usage', () => {
    expect(usageToResponses({})).toEqual({
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    });
  });
});

describe(mergeUsage.name, () => {
  it('should overwrite only the fields present in the update', () => {
    const merged = mergeUsage(
      { ...emptyUsage(), inputTokens: 5, outputTokens: 1 },
      { outputTokens: 9 },
    );
    expect(merged).toMatchObject({ inputTokens: 5, outputTokens: 9 });
  });
});
