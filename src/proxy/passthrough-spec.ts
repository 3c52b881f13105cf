import { anthropicStreamErrorFrame } from '../protocols/anthropic-messages/anthropic-messages.errors';
import { anthropicMessageSummaryOfBytes } from '../protocols/anthropic-messages/anthropic-messages.usage';
import { replaceModelInJson } from '../protocols/anthropic-messages/anthropic-messages.request';
import { isRecord } from '../protocols/common/json-narrowing';
import { IrUsage } from '../protocols/ir/ir-usage';
import { ConversionContext } from '../protocols/protocol-adapter';
import { ProviderType } from '../providers/provider.entity';
import { adapterFor } from './conversion/adapter-registry';
import { RoutedCandidate } from './provider-router.service';
import { ProxyContext } from './proxy-context';
import { AnthropicTap, DecoderTap, StreamTap } from './stream-tap';

/**
 * How to send a request to a provider of the client's own protocol with its bytes unchanged
 * (but for the model on a redirect), and how to read the answer on the side.
 */
export interface PassThroughSpec {
  /** Path below the provider's version prefix, with the query. */
  endpoint: string;
  body: Buffer;
  headers: Record<string, string>;
  createTap(): StreamTap;
  /** Usage and stop reason of a non-streaming answer's bytes; throws when they are not JSON. */
  summarize(body: Buffer): { usage: IrUsage; stopReason: string | null };
  /** The client protocol's in-band error, for failures after the first byte. */
  errorFrame(status: number, message: string): string;
}

/**
 * The pass-through plan when the provider speaks the client's protocol, or null when the request
 * must go through the IR anyway: a streaming Chat request that did not ask for usage would give
 * the ledger nothing (only the IR path can add `include_usage` and hide the extra chunk).
 */
export function passThroughSpec(
  context: ProxyContext,
  candidate: RoutedCandidate,
  conversion: ConversionContext,
): PassThroughSpec | null {
  const type = candidate.provider.entity.type;
  if (String(type) !== context.clientProtocol) return null;
  const body =
    candidate.upstreamModel === context.model || type === ProviderType.Gemini
      ? context.rawBody
      : replaceModelInJson(context.rawBody, context.model, candidate.upstreamModel);
  const query = context.query ? `?${context.query}` : '';
  if (type === ProviderType.Anthropic) {
    return {
      endpoint: `messages${query}`,
      body,
      headers: context.forwardHeaders,
      createTap: () => new AnthropicTap(),
      summarize: anthropicMessageSummaryOfBytes,
      errorFrame: (status, message) =>
        anthropicStreamErrorFrame(status, message, context.requestId),
    };
  }
  if (type === ProviderType.OpenAiChat && context.stream && !asksForUsage(context.body()))
    return null;
  const adapter = adapterFor(type);
  const ir = context.ir;
  if (!ir) return null;
  const endpoint =
    type === ProviderType.Gemini
      ? `models/${encodeURIComponent(candidate.upstreamModel)}:${context.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`
      : type === ProviderType.OpenAiChat
        ? 'chat/completions'
        : 'responses';
  return {
    endpoint,
    body,
    headers: { accept: context.stream ? 'text/event-stream' : 'application/json' },
    createTap: () => new DecoderTap(adapter, conversion),
    summarize: (raw) => {
      const decoded = adapter.decodeResponse(
        JSON.parse(raw.toString('utf8')) as unknown,
        conversion,
      );
      return { usage: decoded.usage, stopReason: decoded.stopReason };
    },
    errorFrame: (status, message) =>
      adapter.createStreamEncoder(ir, conversion).fail(status, 'api_error', message),
  };
}

function asksForUsage(body: unknown): boolean {
  return (
    isRecord(body) && isRecord(body.stream_options) && body.stream_options.include_usage === true
  );
}
