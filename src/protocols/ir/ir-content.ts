/**
 * Content blocks of the internal representation. Modelled on Anthropic's blocks (the richest of
 * the four protocols) plus an opaque `providerState` slot that carries reasoning state between
 * protocol families (signature, encrypted_content, thoughtSignature): see protocols.md §C.0.
 */
export type IrContentBlock =
  | IrTextBlock
  | IrImageBlock
  | IrDocumentBlock
  | IrToolCallBlock
  | IrToolResultBlock
  | IrReasoningBlock;

export interface IrCacheHint {
  /** Anthropic `cache_control`; other protocols cache automatically. */
  ttl: '5m' | '1h';
}

export interface IrTextBlock {
  type: 'text';
  text: string;
  cache?: IrCacheHint;
}

export type IrMediaSource =
  { kind: 'base64'; mediaType: string; data: string } | { kind: 'url'; url: string };

export interface IrImageBlock {
  type: 'image';
  source: IrMediaSource;
  cache?: IrCacheHint;
}

export interface IrDocumentBlock {
  type: 'document';
  source: IrMediaSource | { kind: 'text'; mediaType: string; data: string };
  title?: string;
  cache?: IrCacheHint;
}

export interface IrToolCallBlock {
  type: 'tool_call';
  /** The id the client will quote back in the tool result. */
  id: string;
  name: string;
  /** Parsed JSON arguments. */
  input: unknown;
  /** Gemini `thoughtSignature` attached to a function call part, tagged (see reasoning-state.ts). */
  providerState?: string;
  cache?: IrCacheHint;
}

export interface IrToolResultBlock {
  type: 'tool_result';
  toolCallId: string;
  /** Name of the tool, when the protocol carries it (Gemini needs it, Anthropic does not). */
  name?: string;
  content: (IrTextBlock | IrImageBlock | IrDocumentBlock)[];
  isError?: boolean;
  cache?: IrCacheHint;
}

export interface IrReasoningBlock {
  type: 'reasoning';
  /** Visible (summarised) reasoning text; may be empty. */
  text: string;
  /**
   * Opaque state the upstream needs back next turn: Anthropic `signature` (or
   * `redacted_thinking.data` when `redacted`), OpenAI `encrypted_content`, Gemini
   * `thoughtSignature`. Same-family values pass as they are; cross-family ones are tagged.
   */
  providerState?: string;
  redacted?: boolean;
  /** OpenAI reasoning item id, when there was one. */
  id?: string;
}
