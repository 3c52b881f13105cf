/** Anthropic-style error bodies and stream error frames, so clients' SDKs classify our errors. */
import { IrErrorType, irErrorTypeForStatus } from '../ir/ir-error';
import { formatSseEvent } from '../sse/sse-writer';

/** The `error.type` Anthropic uses for an HTTP status (the IR's own mapping). */
export const anthropicErrorType = irErrorTypeForStatus;

/** Anthropic's own error classes are the IR's. */
export type AnthropicErrorType = IrErrorType;

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

export function anthropicErrorBody(
  status: number,
  message: string,
  requestId?: string,
): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(status), message },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/**
 * A complete `event: error` frame, for failures after the HTTP 200 has been sent. The `event:`
 * line is mandatory: the Anthropic SDK ignores frames without it.
 */
export function anthropicStreamErrorFrame(
  status: number,
  message: string,
  requestId?: string,
): string {
  return formatSseEvent('error', JSON.stringify(anthropicErrorBody(status, message, requestId)));
}
