import { healthProbeRequest, upstreamAuthHeaders, upstreamUrl } from './provider-endpoints';
import { ProviderAuthScheme, ProviderType } from './provider.entity';

describe('upstreamUrl', () => {
  it.each([
    [
      ProviderType.Anthropic,
      'https://api.anthropic.com',
      'messages',
      'https://api.anthropic.com/v1/messages',
    ],
    [
      ProviderType.Anthropic,
      'https://relay.example/v1/',
      'messages',
      'https://relay.example/v1/messages',
    ],
    [
      ProviderType.OpenAiChat,
      'https://api.openai.com/v1',
      'chat/completions',
      'https://api.openai.com/v1/chat/completions',
    ],
    [
      ProviderType.OpenAiResponses,
      'https://relay.example/openai',
      '/responses',
      'https://relay.example/openai/v1/responses',
    ],
    [
      ProviderType.Gemini,
      'https://generativelanguage.googleapis.com',
      'models',
      'https://generativelanguage.googleapis.com/v1beta/models',
    ],
    [
      ProviderType.Gemini,
      'https://relay.example/v1beta',
      'models',
      'https://relay.example/v1beta/models',
    ],
  ])('should join %s base %s with %s', (type, base, path, expected) => {
    expect(upstreamUrl(type, base, path)).toBe(expected);
  });
});

describe('upstreamAuthHeaders', () => {
  it('should use each vendor header natively', () => {
    expect(upstreamAuthHeaders(ProviderType.Anthropic, ProviderAuthScheme.Native, 'k')).toEqual({
      'x-api-key': 'k',
    });
    expect(upstreamAuthHeaders(ProviderType.OpenAiChat, ProviderAuthScheme.Native, 'k')).toEqual({
      authorization: 'Bearer k',
    });
    expect(upstreamAuthHeaders(ProviderType.Gemini, ProviderAuthScheme.Native, 'k')).toEqual({
      'x-goog-api-key': 'k',
    });
  });

  it('should honour an explicit scheme for relays', () => {
    expect(upstreamAuthHeaders(ProviderType.Anthropic, ProviderAuthScheme.Bearer, 'k')).toEqual({
      authorization: 'Bearer k',
    });
    expect(upstreamAuthHeaders(ProviderType.OpenAiChat, ProviderAuthScheme.XApiKey, 'k')).toEqual({
      'x-api-key': 'k',
    });
  });
});

describe('healthProbeRequest', () => {
  it('should list models with the anthropic-version header for Anthropic', () => {
    const probe = healthProbeRequest(
      ProviderType.Anthropic,
      ProviderAuthScheme.Native,
      'http://h',
      'k',
    );
    expect(probe.url).toBe('http://h/v1/models');
    expect(probe.headers).toEqual({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
  });
});
