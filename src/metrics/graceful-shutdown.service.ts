import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server } from 'node:http';
import { AppConfig } from '../config/app-config';
import { InFlightRequests } from './in-flight-requests';
import { shutdownGraceMs } from './metrics-settings';

/** After the grace period, cut streams get this long to write their (aborted) usage records. */
const AFTER_CUT_MS = 5_000;

/**
 * The first step of shutdown (Nest runs it before closing the HTTP server and before any
 * `onApplicationShutdown`, where the Redis, BullMQ and Postgres clients close):
 *
 * 1. stop accepting connections (the listening socket closes; Nest already answers requests on
 *    kept-alive connections with 503 + `Connection: close`, see `return503OnClosing`);
 * 2. let requests in flight, streams included, finish within SHUTDOWN_GRACE_MS;
 * 3. past the grace period, cut the connections left and give their handlers a moment to record
 *    usage; then drop idle kept-alive connections, so Fastify's close does not wait on them.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly inFlight: InFlightRequests,
    private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.httpServer();
    // Fastify closes the server again later and accepts ERR_SERVER_NOT_RUNNING.
    if (server?.listening) server.close();
    const pending = this.inFlight.size;
    if (pending > 0) {
      const graceMs = shutdownGraceMs(this.config.env);
      this.logger.log(
        `shutdown${signal ? ` on ${signal}` : ''}: waiting up to ${graceMs} ms for ${pending} request(s) in flight`,
      );
      if (!(await this.inFlight.drain(graceMs))) {
        this.logger.warn(
          `shutdown grace period over: cutting ${this.inFlight.size} request(s) still in flight`,
        );
        server?.closeAllConnections();
        await this.inFlight.drain(AFTER_CUT_MS);
      }
    }
    server?.closeIdleConnections();
  }

  private httpServer(): Server | null {
    const server: unknown = this.adapterHost.httpAdapter?.getHttpServer();
    return server instanceof Server ? server : null;
  }
}
