/**
 * The Gemini API (`v1beta`, `models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`) as a protocol adapter: Gemini CLI on the client side, the
 * Generative Language API on the upstream side.
 */
import { ProtocolAdapter } from '../protocol-adapter';
import { decodeGeminiError, encodeGeminiError } from './gemini.errors';
import { decodeGeminiRequest } from './gemini.request';
import { encodeGeminiRequest } from './gemini.request-encoder';
import { decodeGeminiResponse, encodeGeminiResponse } from './gemini.response';
import { GeminiStreamDecoder } from './gemini.stream-decoder';
import { GeminiStreamEncoder } from './gemini.stream-encoder';

export const geminiAdapter: ProtocolAdapter = {
  protocol: 'gemini',
  decodeRequest: (body, hints) => decodeGeminiRequest(body, hints),
  encodeRequest: (request, context) => encodeGeminiRequest(request, context),
  decodeResponse: (body, context) => decodeGeminiResponse(body, context),
  encodeResponse: (response, request) => encodeGeminiResponse(response, request),
  createStreamDecoder: (context) => new GeminiStreamDecoder(context),
  createStreamEncoder: (request, context) => new GeminiStreamEncoder(request, context),
  decodeError: (status, body) => decodeGeminiError(status, body),
  encodeError: (status, errorType, message) => encodeGeminiError(status, errorType, message),
};
