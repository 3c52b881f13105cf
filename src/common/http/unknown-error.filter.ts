import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { reportDegradation } from '../../metrics/degradation';
import { unavailableDependency } from '../errors/dependency-unavailable';

/** `retry-after` of a 503 for an unreachable dependency: outages are usually short (failover). */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Last-resort filter: HttpExceptions keep Nest's shape; Postgres or Redis being unreachable is a
 * retryable 503 (counted as a degradation of the admin API); anything else becomes a 500. Both
 * name the request id (for the logs) and nothing about the failure itself.
 */
@Catch()
export class UnknownErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('UnhandledError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void reply
        .status(exception.getStatus())
        .send(
          typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body,
        );
      return;
    }
    const dependency = unavailableDependency(exception);
    if (dependency !== null) {
      reportDegradation('admin_api', 'fail_closed', dependency, 'requests answered 503', exception);
      void reply
        .status(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
        .send({
          statusCode: 503,
          error: 'Service Unavailable',
          message: `${dependency === 'postgres' ? 'Postgres' : 'Redis'} is unreachable; retry later`,
          requestId: request.id,
        });
      return;
    }
    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`request ${String(request.id)} failed: ${error.message}`, error.stack);
    void reply.status(500).send({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: request.id,
    });
  }
}
