import { IrRequest } from './ir/ir-request';
import { IrResponse } from './ir/ir-response';
import { IrStreamEvent } from './ir/ir-stream';
import { SseEvent } from './sse/sse-parser';

export type WireProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

/** A request body the adapter could not accept; becomes a 400 in the client's envelope. */
export class ProtocolRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolRequestError';
  }
}

/**
 * Per-request state shared by the encoder of the upstream request and the decoders of its answer,
 * and injected clocks/ids so fixture tests are deterministic.
 */
export interface ConversionContext {
  /** Milliseconds since the epoch. */
  now(): number;
  /** A fresh id with the given prefix (`msg_`, `chatcmpl-`, `resp_`, `call_`, `toolu_`…). */
  newId(prefix: string): string;
  /**
   * Tool names rewritten to satisfy the upstream's rules (length, characters): upstream name →
   * client name, so answers name the tools the client declared.
   */
  toolNames: Map<string, string>;
  /** Something the target protocol cannot express was left out on purpose. */
  dropped(what: string): void;
}

/** What an upstream request looks like on the wire. */
export interface EncodedRequest {
  /** Path below the protocol's version prefix, with query: `messages`, `models/x:streamGenerateContent?alt=sse`. */
  path: string;
  body: unknown;
}

export interface DecodedError {
  status: number;
  /** The client-protocol-neutral error class: the Anthropic `error.type` vocabulary. */
  errorType: string;
  message: string;
}

/** Turns one protocol's stream events into IR events, frame by frame. */
export interface StreamDecoder {
  push(event: SseEvent): IrStreamEvent[];
  /** The upstream stream ended; emits nothing it did not see (a cut stream stays unfinished). */
  end(): IrStreamEvent[];
}

/** Renders IR events as one protocol's SSE text, frame by frame. */
export interface StreamEncoder {
  encode(event: IrStreamEvent): string;
  /** Closing frames the client needs if they were not produced yet (idempotent). */
  finish(): string;
  /** A protocol-correct in-band error after the stream started, then the end of the stream. */
  fail(status: number, errorType: string, message: string): string;
}

export interface ProtocolAdapter {
  readonly protocol: WireProtocol;
  /** Client side: parse a request body (Gemini passes the model and stream flag from its path). */
  decodeRequest(body: unknown, hints: { model?: string; stream?: boolean }): IrRequest;
  /** Upstream side: the request to send for an IR request. */
  encodeRequest(request: IrRequest, context: ConversionContext): EncodedRequest;
  /** Upstream side: a non-streaming answer. */
  decodeResponse(body: unknown, context: ConversionContext): IrResponse;
  /** Client side: a non-streaming answer. */
  encodeResponse(response: IrResponse, request: IrRequest, context: ConversionContext): unknown;
  createStreamDecoder(context: ConversionContext): StreamDecoder;
  createStreamEncoder(request: IrRequest, context: ConversionContext): StreamEncoder;
  /** Upstream side: an error answer, whatever its shape. */
  decodeError(status: number, body: unknown): DecodedError;
  /** Client side: the error body for a status and Anthropic-vocabulary error type. */
  encodeError(status: number, errorType: string, message: string): unknown;
}
