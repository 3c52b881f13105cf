import { Controller, Get, Header, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { secretsEqual } from '../common/crypto/constant-time';
import { AppConfig } from '../config/app-config';
import { metricsToken } from './metrics-settings';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint. Open by default (bind it to an internal network); with
 * METRICS_TOKEN set it requires `Authorization: Bearer <METRICS_TOKEN>`.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  private readonly token: string | null;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.token = metricsToken(config.env);
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async scrape(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (this.token !== null) {
      const authorization = request.headers.authorization ?? '';
      const given = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
      if (!secretsEqual(given, this.token)) {
        throw new UnauthorizedException('A valid metrics token is required.');
      }
    }
    const body = await this.metrics.render();
    void reply.header('content-type', this.metrics.contentType);
    return body;
  }
}
