import {
  stateForClient,
  stateForUpstream,
  tagReasoningState,
  toIrState,
  untagReasoningState,
} from './reasoning-state';

describe('reasoning state envelopes', () => {
  it('should round-trip a state through a tag', () => {
    const tagged = tagReasoningState('openai', 'gAAAA+/=enc');
    expect(untagReasoningState(tagged)).toEqual({ family: 'openai', state: 'gAAAA+/=enc' });
    expect(untagReasoningState('plain-signature')).toBeNull();
  });

  it('should carry OpenAI state through an Anthropic client and back to OpenAI only', () => {
    const ir = toIrState('openai', 'encrypted-blob');
    const seenByClaudeCode = stateForClient('anthropic', ir);
    expect(seenByClaudeCode).toMatch(/^cch1\.openai\./);
    // Next turn the client echoes it; the Anthropic request decoder keeps the envelope.
    const back = toIrState('anthropic', seenByClaudeCode);
    expect(stateForUpstream('openai', back)).toBe('encrypted-blob');
    expect(stateForUpstream('anthropic', back)).toBeUndefined();
    expect(stateForUpstream('gemini', back)).toBeUndefined();
  });

  it('should hand a client its own family native', () => {
    const ir = toIrState('anthropic', 'sig-123');
    expect(stateForClient('anthropic', ir)).toBe('sig-123');
    expect(stateForUpstream('anthropic', toIrState('anthropic', 'sig-123'))).toBe('sig-123');
  });
});
