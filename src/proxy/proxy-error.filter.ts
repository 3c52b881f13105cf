import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import { anthropicErrorBody } from '../protocols/anthropic-messages/anthropic-messages.errors';
import { ClientProtocol, clientProtocolOf } from './client-protocol';

/**
 * Renders every error of a proxy route in the client's own protocol envelope, so SDKs raise
 * their typed errors (an Anthropic client gets `{"type":"error","error":{…}}`).
 */
@Catch()
export class ProxyErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProxyError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toGatewayError(exception, String(request.id), this.logger);
    const protocol = clientProtocolOf(request.url, request.headers);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-cch-request-id': String(request.id),
    };
    if (error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(error.retryAfterSeconds);
    const body = JSON.stringify(errorEnvelope(protocol, error, String(request.id)));
    if (!reply.sent) {
      void reply.code(error.status).headers(headers).send(body);
    } else if (!reply.raw.headersSent) {
      reply.raw.writeHead(error.status, headers);
      reply.raw.end(body);
    } else if (!reply.raw.writableEnded) {
      reply.raw.end();
    }
  }
}

function toGatewayError(exception: unknown, requestId: string, logger: Logger): GatewayError {
  if (exception instanceof GatewayError) return exception;
  const status = httpStatusOf(exception);
  if (status !== null && status < 500) {
    // Framework-level client errors (bad JSON, unsupported media type, body too large).
    const message = exception instanceof Error ? exception.message : 'Bad request';
    return new GatewayError(GatewayErrorCode.INVALID_REQUEST, message, { status });
  }
  logger.error(
    `request ${requestId} failed: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
  );
  return new GatewayError(
    GatewayErrorCode.INTERNAL,
    `Internal gateway error (request ${requestId}).`,
  );
}

function httpStatusOf(exception: unknown): number | null {
  if (exception === null || typeof exception !== 'object') return null;
  const candidate =
    'getStatus' in exception && typeof exception.getStatus === 'function'
      ? (exception.getStatus as () => unknown)()
      : 'statusCode' in exception
        ? exception.statusCode
        : null;
  return typeof candidate === 'number' ? candidate : null;
}

/** Error bodies per client protocol. Only Anthropic's is complete for now; the rest are minimal. */
export function errorEnvelope(
  protocol: ClientProtocol,
  error: GatewayError,
  requestId: string,
): unknown {
  switch (protocol) {
    case 'anthropic':
      return anthropicErrorBody(error.status, error.message, requestId);
    case 'openai-chat':
    case 'openai-responses':
      return {
        error: {
          message: error.message,
          type: openAiType(error.status),
          param: null,
          code: error.code.toLowerCase(),
        },
      };
    case 'gemini':
      return {
        error: { code: error.status, message: error.message, status: googleStatus(error.status) },
      };
  }
}

function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function googleStatus(status: number): string {
  const map: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    402: 'RESOURCE_EXHAUSTED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    429: 'RESOURCE_EXHAUSTED',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return map[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}
