/**
 * Gemini parts → IR content blocks, shared by the client-request decoder and the upstream-answer
 * decoder (the stream decoder follows the same rules event by event).
 *
 * Signature placement: a `thoughtSignature` belongs to the part that carries it. The IR holds it
 * on the tool_call block for a function call, and otherwise on a reasoning block placed right
 * before the block of that part (an empty-text reasoning block when there was no thought text).
 * Encoders put a reasoning block's signature on the next part, so the position round-trips.
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrContentBlock, IrDocumentBlock, IrImageBlock, IrReasoningBlock } from '../ir/ir-content';
import { toIrState } from '../ir/reasoning-state';
import { partSignature } from './gemini.wire';

export interface PartReader {
  /** The IR id of a function call part (its own `id`, or one the caller makes up). */
  callId(call: Record<string, unknown>, name: string): string;
  /** The client's name for a function name on the wire. */
  toolName(wireName: string): string;
}

/** A base64 `inlineData` as an image, a PDF/other document, or a text document for `text/*`. */
export function blockFromInlineData(value: unknown): IrImageBlock | IrDocumentBlock | null {
  if (!isRecord(value)) return null;
  const mediaType = stringOrNull(value.mimeType) ?? 'application/octet-stream';
  const data = stringOrNull(value.data);
  if (data === null) return null;
  if (mediaType.startsWith('image/')) {
    return { type: 'image', source: { kind: 'base64', mediaType, data } };
  }
  if (mediaType.startsWith('text/')) {
    const text = Buffer.from(data, 'base64').toString('utf8');
    return { type: 'document', source: { kind: 'text', mediaType, data: text } };
  }
  return { type: 'document', source: { kind: 'base64', mediaType, data } };
}

/** A `fileData` URI: an image when its MIME type says so, else a document. */
export function blockFromFileData(value: unknown): IrImageBlock | IrDocumentBlock | null {
  if (!isRecord(value)) return null;
  const url = stringOrNull(value.fileUri);
  if (url === null) return null;
  const mediaType = stringOrNull(value.mimeType);
  return mediaType?.startsWith('image/')
    ? { type: 'image', source: { kind: 'url', url } }
    : { type: 'document', source: { kind: 'url', url } };
}

function lastBlock(blocks: IrContentBlock[]): IrContentBlock | undefined {
  return blocks[blocks.length - 1];
}

/** Hangs a signature on the reasoning block just before, or on a new empty one. */
function attachSignature(blocks: IrContentBlock[], signature: string): void {
  const last = lastBlock(blocks);
  if (last?.type === 'reasoning' && last.providerState === undefined && !last.redacted) {
    last.providerState = toIrState('gemini', signature);
    return;
  }
  blocks.push({ type: 'reasoning', text: '', providerState: toIrState('gemini', signature) });
}

function appendThought(blocks: IrContentBlock[], text: string, signature: string | null): void {
  const last = lastBlock(blocks);
  let block: IrReasoningBlock;
  if (last?.type === 'reasoning' && last.providerState === undefined && !last.redacted) {
    block = last;
    block.text += text;
  } else {
    block = { type: 'reasoning', text };
    blocks.push(block);
  }
  if (signature !== null) block.providerState = toIrState('gemini', signature);
}

/**
 * Appends the IR blocks of one part of a `model` turn (text, thought, functionCall, media).
 * Returns true when the part was a function call. Unknown parts (executableCode,
 * codeExecutionResult, videoMetadata…) are skipped.
 */
export function appendModelPart(
  blocks: IrContentBlock[],
  part: Record<string, unknown>,
  reader: PartReader,
): boolean {
  const signature = partSignature(part);
  const call = part.functionCall;
  if (isRecord(call)) {
    const wireName = stringOrNull(call.name) ?? '';
    const args = call.args;
    blocks.push({
      type: 'tool_call',
      id: reader.callId(call, wireName),
      name: reader.toolName(wireName),
      input: isRecord(args) ? args : {},
      ...(signature !== null ? { providerState: toIrState('gemini', signature) } : {}),
    });
    return true;
  }

  const text = stringOrNull(part.text);
  if (text !== null && part.thought === true) {
    appendThought(blocks, text, signature);
    return false;
  }
  if (signature !== null) attachSignature(blocks, signature);
  if (text !== null) {
    if (text.length > 0) blocks.push({ type: 'text', text });
    return false;
  }
  const media = blockFromInlineData(part.inlineData) ?? blockFromFileData(part.fileData);
  if (media !== null) blocks.push(media);
  return false;
}
