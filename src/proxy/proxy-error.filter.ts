import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '../common/errors/gateway-error';
import {
  anthropicErrorBody,
  anthropicErrorType,
} from '../protocols/anthropic-messages/anthropic-messages.errors';
import { adapterFor } from './conversion/adapter-registry';
import { ClientProtocol, clientProtocolOf } from './client-protocol';
import { sendJson } from './response-writer';

/**
 * Renders every error of a proxy route in the client's own protocol envelope, so SDKs raise
 * their typed errors (an Anthropic client gets `{"type":"error","error":{…}}`).
 */
@Catch()
export class ProxyErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProxyError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProxyError(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}

/**
 * Answers a proxy request's error in the client's protocol envelope, whatever was already sent:
 * a whole error response, or the end of a response whose headers went out.
 */
export function sendProxyError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
): void {
  const error = toGatewayError(exception, String(request.id), logger);
  const protocol = clientProtocolOf(request.url, request.headers);
  const headers: Record<string, string> = {
    ...error.headers,
    'content-type': 'application/json',
    'x-cch-request-id': String(request.id),
  };
  if (error.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(error.retryAfterSeconds);
  const body = JSON.stringify(errorEnvelope(protocol, error, String(request.id)));
  if (!reply.sent) {
    void reply.code(error.status).headers(headers).send(body);
  } else if (!reply.raw.headersSent) {
    sendJson(reply.raw, error.status, body, headers);
  } else if (!reply.raw.writableEnded) {
    reply.raw.end();
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

/** The error body of a client protocol, from its adapter (Anthropic's carries the request id). */
export function errorEnvelope(
  protocol: ClientProtocol,
  error: GatewayError,
  requestId: string,
): unknown {
  if (protocol === 'anthropic') return anthropicErrorBody(error.status, error.message, requestId);
  return adapterFor(protocol).encodeError(
    error.status,
    anthropicErrorType(error.status),
    error.message,
  );
}
