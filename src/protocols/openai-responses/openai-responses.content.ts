/** Content parts (`input_text`, `input_image`, `input_file`, `output_text`…) ↔ IR blocks. */
import { isRecord, stringOrNull } from '../common/json-narrowing';
import { IrDocumentBlock, IrImageBlock, IrMediaSource, IrTextBlock } from '../ir/ir-content';
import { ResponsesInputContent } from './openai-responses.wire';

export type IrUserContentBlock = IrTextBlock | IrImageBlock | IrDocumentBlock;

const DATA_URL = /^data:([^;,]+)(?:;[^,;]*)*;base64,(.*)$/s;

/** Text of every text-like part; images and files are not text. */
const TEXT_PART_TYPES = new Set([
  'input_text',
  'output_text',
  'text',
  'summary_text',
  'reasoning_text',
]);

/**
 * Message or tool-output content, a string or an array of parts, as IR blocks. Parts the IR
 * cannot express (file ids, audio, unknown types) are dropped.
 */
export function decodeContent(content: unknown): IrUserContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: IrUserContentBlock[] = [];
  for (const part of content) {
    const block = decodePart(part);
    if (block) blocks.push(block);
  }
  return blocks;
}

function decodePart(part: unknown): IrUserContentBlock | null {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isRecord(part)) return null;
  const type = stringOrNull(part.type) ?? '';
  if (TEXT_PART_TYPES.has(type)) {
    const text = stringOrNull(part.text);
    return text === null ? null : { type: 'text', text };
  }
  if (type === 'refusal') {
    const refusal = stringOrNull(part.refusal);
    return refusal === null ? null : { type: 'text', text: refusal };
  }
  if (type === 'input_image' || type === 'image_url') {
    const raw = isRecord(part.image_url) ? part.image_url.url : part.image_url;
    const url = stringOrNull(raw);
    return url === null ? null : { type: 'image', source: mediaSourceFromUrl(url) };
  }
  if (type === 'input_file') return decodeFile(part);
  return null;
}

function decodeFile(part: Record<string, unknown>): IrDocumentBlock | null {
  const filename = stringOrNull(part.filename);
  const fileData = stringOrNull(part.file_data);
  const fileUrl = stringOrNull(part.file_url);
  let source: IrMediaSource | null = null;
  if (fileData !== null) {
    const fromUrl = mediaSourceFromUrl(fileData);
    source =
      fromUrl.kind === 'base64'
        ? fromUrl
        : { kind: 'base64', mediaType: mediaTypeForFilename(filename), data: fileData };
  } else if (fileUrl !== null) {
    source = { kind: 'url', url: fileUrl };
  }
  if (source === null) return null; // file_id: a file stored at OpenAI, unreachable elsewhere
  const block: IrDocumentBlock = { type: 'document', source };
  if (filename !== null) block.title = filename;
  return block;
}

function mediaSourceFromUrl(url: string): IrMediaSource {
  const match = DATA_URL.exec(url);
  if (match) return { kind: 'base64', mediaType: match[1] ?? '', data: match[2] ?? '' };
  return { kind: 'url', url };
}

function mediaTypeForFilename(filename: string | null): string {
  if (filename !== null && /\.txt$/i.test(filename)) return 'text/plain';
  return 'application/pdf';
}

/** IR user-side blocks as Responses input parts. */
export function encodeContent(blocks: readonly IrUserContentBlock[]): ResponsesInputContent[] {
  return blocks.map((block) => encodePart(block));
}

function encodePart(block: IrUserContentBlock): ResponsesInputContent {
  switch (block.type) {
    case 'text':
      return { type: 'input_text', text: block.text };
    case 'image':
      return { type: 'input_image', image_url: mediaUrl(block.source), detail: 'auto' };
    case 'document': {
      const source = block.source;
      if (source.kind === 'text') {
        const title = block.title !== undefined ? `${block.title}\n\n` : '';
        return { type: 'input_text', text: `${title}${source.data}` };
      }
      if (source.kind === 'url') return { type: 'input_file', file_url: source.url };
      return {
        type: 'input_file',
        filename: block.title ?? 'document.pdf',
        file_data: mediaUrl(source),
      };
    }
  }
}

function mediaUrl(source: IrMediaSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}
