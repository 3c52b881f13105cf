import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/**
 * Header and body paths that may carry a credential or prompt text. Pino replaces them before a
 * line is written, so a stray `log.info({ req })` cannot leak a key.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'req.query.key',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  '*.apiKey',
  '*.key',
  '*.token',
  '*.password',
  'apiKey',
  'body',
  'prompt',
  'messages',
];

/** CCH's logger: JSON lines to stdout, or to `destination` (tests read them from there). */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'cch', pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { req: serializeRequest, res: serializeReply },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Routes Nest's own log calls (bootstrap, module init) into the same structured pino stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

interface LoggableRequest {
  method?: string;
  url?: string;
  ip?: string;
}

/**
 * Method, path and caller only: query strings may carry Gemini's `?key=`. The access line is
 * written without the redaction pass (AccessLogController), so nothing secret may be added here.
 */
function serializeRequest(request: LoggableRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactKeyParam(request.url ?? ''),
    remoteAddress: request.ip,
  };
}

function serializeReply(reply: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}

export function redactKeyParam(url: string): string {
  return url.replace(/([?&](?:key|api_key|token)=)[^&#]*/gi, '$1[redacted]');
}
