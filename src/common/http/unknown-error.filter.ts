import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Last-resort filter: HttpExceptions keep Nest's shape; anything else becomes a 500 that names the
 * request id (for the logs) and nothing about the failure itself.
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
