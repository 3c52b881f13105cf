import { ServerResponse } from 'node:http';
import { UsageStatus } from '../../billing/usage-record.entity';
import { GatewayError, GatewayErrorCode } from '../../common/errors/gateway-error';
import { IrRequest } from '../../protocols/ir/ir-request';
import { ProtocolAdapter, ProtocolRequestError } from '../../protocols/protocol-adapter';
import { ClientAbortedError } from '../upstream-failure';
import { ConvertedStream } from '../converted-attempt';
import { answerHeaders, ProxyContext, ProxyOutcome } from '../proxy-context';
import { SSE_HEADERS, writeChunk } from '../response-writer';

/** The client's request in IR form; a body its protocol does not accept is a 400 in its envelope. */
export function decodeClientRequest(client: ProtocolAdapter, context: ProxyContext): IrRequest {
  try {
    return client.decodeRequest(context.body(), context.hints);
  } catch (error: unknown) {
    if (error instanceof ProtocolRequestError) {
      throw new GatewayError(GatewayErrorCode.INVALID_REQUEST, error.message);
    }
    throw error;
  }
}

/**
 * Writes a converted stream to the client as the upstream produces it. After the first byte an
 * upstream failure becomes the client protocol's in-band error; a normal end gets the closing
 * frames the client needs (`message_stop`, `[DONE]`, `response.completed`, Gemini's last chunk).
 */
export async function relayConverted(
  stream: ConvertedStream,
  context: ProxyContext,
  response: ServerResponse,
  outcome: ProxyOutcome,
): Promise<void> {
  outcome.ttfbMs = stream.ttfbMs;
  outcome.httpStatus = 200;
  response.writeHead(200, { ...SSE_HEADERS, ...answerHeaders(context, outcome) });
  let clientGone = !(await writeChunk(response, stream.prefix));
  try {
    while (!clientGone) {
      const chunk = await stream.next();
      if (chunk === null) break;
      if (chunk && !(await writeChunk(response, chunk))) clientGone = true;
    }
  } catch {
    if (response.destroyed) {
      clientGone = true;
    } else {
      // Hang up on the upstream too: one that keeps sending (an endless line) would otherwise
      // hold its connection until the idle timeout.
      stream.destroy();
      outcome.errorClass = 'upstream_stream_error';
      await writeChunk(response, stream.fail(502, 'The upstream stream failed.'));
    }
  }
  outcome.usage = stream.usage();
  outcome.stopReason = stream.stopReason();
  if (clientGone) {
    stream.destroy();
    throw new ClientAbortedError();
  }
  if (!outcome.errorClass && !stream.finished()) {
    outcome.errorClass = 'upstream_stream_truncated';
    await writeChunk(response, stream.fail(502, 'The upstream stream ended early.'));
  } else if (!outcome.errorClass) {
    await writeChunk(response, stream.finish());
  }
  outcome.status = outcome.errorClass ? UsageStatus.Error : UsageStatus.Success;
  response.end();
}
