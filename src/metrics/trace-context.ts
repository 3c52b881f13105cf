import { FastifyBaseLogger } from 'fastify';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { LazyChildLogger } from '../common/logging/lazy-child-logger';

/** `version-traceid-parentid-flags`, lower-case hex (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;

/**
 * The trace id of a valid W3C `traceparent` header, or null. Version `ff` and all-zero ids are
 * invalid; version 00 allows nothing after the flags, later versions may append fields.
 */
export function traceIdOf(headers: IncomingHttpHeaders): string | null {
  const header = headers.traceparent;
  if (typeof header !== 'string') return null;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(parentId)) return null;
  return traceId;
}

/**
 * Fastify's per-request child logger (made lazily), plus the caller's W3C trace id when a valid
 * `traceparent` came in: every line of the request carries `requestId` and `traceId`, ready to be
 * joined with OpenTelemetry traces (the access line adds them itself, see AccessLogController).
 */
export function traceAwareChildLogger(
  logger: FastifyBaseLogger,
  bindings: Parameters<FastifyBaseLogger['child']>[0],
  options: Parameters<FastifyBaseLogger['child']>[1],
  rawRequest: IncomingMessage,
): FastifyBaseLogger {
  const make = (): FastifyBaseLogger => {
    const traceId = traceIdOf(rawRequest.headers);
    return logger.child(traceId ? { ...bindings, traceId } : bindings, options);
  };
  // Made when the request first writes a line, which at `warn` most never do.
  return options?.level === undefined ? new LazyChildLogger(logger, make) : make();
}
