/**
 * The OpenAI Responses API (`POST /v1/responses`) as a `ProtocolAdapter`: the protocol of Codex
 * and of Droid's `openai` provider on the client side, and of OpenAI on the upstream side.
 *
 * Decisions, and what is dropped or lossy (no context exists while decoding a client request, so
 * client-side drops are silent):
 * - `previous_response_id`, `conversation` and `item_reference` items → 400: nothing is stored
 *   here, and answering without the referenced context would be silently wrong.
 * - Leading `developer`/`system` messages and `instructions` → IR system; later ones → IR
 *   `system`-role messages, written back upstream as `developer` messages in place.
 * - `namespace` tools → flat IR tools `<namespace>__<function>`; `custom` (freeform) tools → IR
 *   tools taking `{input: string}` (the grammar goes into the description). Answers name them
 *   the client's way again (`function_call.namespace`, `custom_tool_call`); see
 *   openai-responses.tools.ts for how the origin is remembered.
 * - Hosted tools (`web_search`, `file_search`, `local_shell`, `mcp`, …) and their items
 *   (`web_search_call`, `local_shell_call(_output)`, `compaction`, `mcp_*`) are dropped.
 * - `file_id` images/files (stored at OpenAI) are dropped; `json_object` format is dropped.
 * - `store`, `include`, `prompt_cache_key`, `client_metadata`, `metadata`, `service_tier`,
 *   `truncation`, `stream_options`, `text.verbosity` are ignored (upstream requests always use
 *   `store:false` and ask for `reasoning.encrypted_content` when reasoning is on).
 * - `reasoning` with only `summary` (Codex) → effort `medium`, OpenAI's default; `none` → off.
 * - Reasoning state: IR `providerState` is the tagged `encrypted_content`, the item id is the IR
 *   block `id`; summary parts are joined with blank lines and written back as one part.
 * - Broken `arguments` JSON in the history → `{}`.
 * - Upstream: `top_k`, `stop_sequences`, `tool_result.is_error`, images in assistant turns,
 *   reasoning without OpenAI state, `user` over 64 characters → `context.dropped`; cache hints
 *   are ignored (OpenAI caches prefixes automatically).
 * - Client answers: a refusal ends with `response.incomplete` (`content_filter`), max tokens with
 *   `response.incomplete` (`max_output_tokens`); the redacted flag of another family's reasoning
 *   is not carried (the state itself is).
 */
import { ProtocolAdapter } from '../protocol-adapter';
import { decodeOpenAiError, encodeOpenAiError } from './openai-responses.errors';
import { decodeResponsesRequest } from './openai-responses.request';
import { encodeResponsesRequest } from './openai-responses.request-encode';
import { decodeResponsesResponse, encodeResponsesResponse } from './openai-responses.response';
import { ResponsesStreamDecoder } from './openai-responses.stream-decoder';
import { ResponsesStreamEncoder } from './openai-responses.stream-encoder';

export const openAiResponsesAdapter: ProtocolAdapter = {
  protocol: 'openai-responses',
  decodeRequest: (body, hints) => decodeResponsesRequest(body, hints),
  encodeRequest: (request, context) => encodeResponsesRequest(request, context),
  decodeResponse: (body, context) => decodeResponsesResponse(body, context),
  encodeResponse: (response, request, context) =>
    encodeResponsesResponse(response, request, context),
  createStreamDecoder: (context) => new ResponsesStreamDecoder(context),
  createStreamEncoder: (request, context) => new ResponsesStreamEncoder(request, context),
  decodeError: (status, body) => decodeOpenAiError(status, body),
  encodeError: (status, errorType, message) => encodeOpenAiError(status, errorType, message),
};
