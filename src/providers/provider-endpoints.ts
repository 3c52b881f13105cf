import { ProviderAuthScheme, ProviderType } from './provider.entity';

/** The API version path each protocol lives under; a base URL may or may not include it. */
const VERSION_PATH: Record<ProviderType, string> = {
  [ProviderType.Anthropic]: '/v1',
  [ProviderType.OpenAiChat]: '/v1',
  [ProviderType.OpenAiResponses]: '/v1',
  [ProviderType.Gemini]: '/v1beta',
};

/**
 * Joins a provider base URL and a path below the version prefix. `https://relay/x` and
 * `https://relay/x/v1` both give `https://relay/x/v1/<path>`, so admins can paste either form.
 */
export function upstreamUrl(type: ProviderType, baseUrl: string, pathBelowVersion: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const version = VERSION_PATH[type];
  const versioned = /\/v\d+(beta\d*|alpha\d*)?$/.test(base) ? base : `${base}${version}`;
  return `${versioned}/${pathBelowVersion.replace(/^\/+/, '')}`;
}

/** Headers that authenticate CCH to the upstream, per provider type and configured scheme. */
export function upstreamAuthHeaders(
  type: ProviderType,
  scheme: ProviderAuthScheme,
  apiKey: string,
): Record<string, string> {
  const effective = scheme === ProviderAuthScheme.Native ? nativeScheme(type) : scheme;
  switch (effective) {
    case ProviderAuthScheme.Bearer:
      return { authorization: `Bearer ${apiKey}` };
    case ProviderAuthScheme.XApiKey:
      return { 'x-api-key': apiKey };
    case 'x-goog-api-key':
      return { 'x-goog-api-key': apiKey };
  }
}

function nativeScheme(
  type: ProviderType,
): ProviderAuthScheme.Bearer | ProviderAuthScheme.XApiKey | 'x-goog-api-key' {
  switch (type) {
    case ProviderType.Anthropic:
      return ProviderAuthScheme.XApiKey;
    case ProviderType.OpenAiChat:
    case ProviderType.OpenAiResponses:
      return ProviderAuthScheme.Bearer;
    case ProviderType.Gemini:
      return 'x-goog-api-key';
  }
}

/** A cheap authenticated request that proves the provider is reachable: its models listing. */
export function healthProbeRequest(
  type: ProviderType,
  scheme: ProviderAuthScheme,
  baseUrl: string,
  apiKey: string,
): { url: string; headers: Record<string, string> } {
  const headers = upstreamAuthHeaders(type, scheme, apiKey);
  if (type === ProviderType.Anthropic) {
    headers['anthropic-version'] = '2023-06-01';
  }
  return { url: upstreamUrl(type, baseUrl, 'models'), headers };
}
