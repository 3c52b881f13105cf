/**
 * Chat-specific facts of a client request that the IR has no field for, kept beside the IrRequest
 * object the Chat decoder produced (a WeakMap, so they live exactly as long as the request).
 * An IrRequest that did not come from `decodeRequest` has no hints, and the defaults apply.
 */
import { IrRequest } from '../ir/ir-request';

export interface ChatRequestHints {
  /** `stream_options.include_usage`: the client wants the final `choices: []` usage chunk. */
  includeUsage: boolean;
  /** `response_format.json_schema.name` and `.strict`, to hand them back unchanged. */
  schemaName?: string;
  schemaStrict?: boolean;
}

const hintsByRequest = new WeakMap<IrRequest, ChatRequestHints>();

export function setChatRequestHints(request: IrRequest, hints: ChatRequestHints): void {
  hintsByRequest.set(request, hints);
}

export function chatRequestHints(request: IrRequest): ChatRequestHints {
  return hintsByRequest.get(request) ?? { includeUsage: false };
}
