/** Content conversions shared by the request and response directions. */
import { isRecord } from '../common/json-narrowing';
import {
  IrContentBlock,
  IrDocumentBlock,
  IrImageBlock,
  IrMediaSource,
  IrTextBlock,
} from '../ir/ir-content';
import { ProtocolRequestError } from '../protocol-adapter';

const BASE64_DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*);base64,/i;

/** A `data:…;base64,` URL as a base64 source; any other URL stays a URL. */
export function mediaSourceFromUrl(url: string): IrMediaSource {
  const match = BASE64_DATA_URL.exec(url);
  if (!match) return { kind: 'url', url };
  return {
    kind: 'base64',
    mediaType: match[1] === '' ? 'application/octet-stream' : match[1].toLowerCase(),
    data: url.slice(match[0].length),
  };
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/**
 * Tool-call `arguments` (JSON text) into the IR's parsed input. Decision: anything that is not a
 * JSON object (invalid JSON, empty string, an array or scalar) becomes `{}`, because every other
 * protocol requires an object there and a broken call is better answered by the tool's own error
 * than by rejecting the whole conversation.
 */
export function parseToolArguments(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') return isRecord(text) ? text : {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function fail(where: string, problem: string): never {
  throw new ProtocolRequestError(`${where}: ${problem}`);
}

/**
 * `string | {type:"text"|"refusal"}[]` into text blocks; empty strings are skipped (other
 * protocols reject empty text blocks). `null`/absent content is no content.
 */
export function textBlocksFromContent(content: unknown, where: string): IrTextBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) fail(where, 'content must be a string or an array of parts');
  const blocks: IrTextBlock[] = [];
  content.forEach((part: unknown, i) => {
    const text = textOfPart(part);
    if (text === null) fail(`${where}[${i}]`, 'only text parts are allowed here');
    if (text !== '') blocks.push({ type: 'text', text });
  });
  return blocks;
}

function textOfPart(part: unknown): string | null {
  if (!isRecord(part)) return null;
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  if (part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
  return null;
}

/** User content: text, `image_url` (data URLs become base64 images) and `file` PDFs. */
export function userBlocksFromContent(content: unknown, where: string): IrContentBlock[] {
  if (!Array.isArray(content)) return textBlocksFromContent(content, where);
  const blocks: IrContentBlock[] = [];
  content.forEach((part: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(part)) fail(at, 'must be an object');
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') fail(at, 'text must be a string');
        if (part.text !== '') blocks.push({ type: 'text', text: part.text });
        return;
      case 'image_url':
        blocks.push(imageFromPart(part.image_url, at));
        return;
      case 'file':
        blocks.push(documentFromPart(part.file, at));
        return;
      default:
        fail(at, `unsupported content part type ${JSON.stringify(part.type)}`);
    }
  });
  return blocks;
}

function imageFromPart(imageUrl: unknown, where: string): IrImageBlock {
  const url = isRecord(imageUrl) ? imageUrl.url : imageUrl;
  if (typeof url !== 'string' || url === '') fail(where, 'image_url.url must be a string');
  return { type: 'image', source: mediaSourceFromUrl(url) };
}

function documentFromPart(file: unknown, where: string): IrDocumentBlock {
  if (!isRecord(file) || typeof file.file_data !== 'string') {
    fail(where, 'only files given inline as file_data are supported (no file_id)');
  }
  const fileData = file.file_data;
  // The SDK accepts a data URL or bare base64; bare base64 is taken to be a PDF.
  const source = fileData.startsWith('data:')
    ? mediaSourceFromUrl(fileData)
    : ({ kind: 'base64', mediaType: 'application/pdf', data: fileData } as const);
  const block: IrDocumentBlock = { type: 'document', source };
  if (typeof file.filename === 'string') block.title = file.filename;
  return block;
}
