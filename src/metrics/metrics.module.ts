import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GracefulShutdown } from './graceful-shutdown.service';
import { InFlightInterceptor, InFlightRequests } from './in-flight-requests';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Observability and orderly shutdown, in every role: `GET /metrics`, the MetricsService the
 * proxy pipeline reports to, and the in-flight tracking that shutdown drains.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    MetricsService,
    InFlightRequests,
    GracefulShutdown,
    { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor },
  ],
  exports: [MetricsService, InFlightRequests],
})
export class MetricsModule {}
