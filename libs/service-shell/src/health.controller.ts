import { Controller, Get, HttpCode, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { MetricsEndpoint } from '@deltastream/observability';
import { METRICS, READINESS, SERVICE_NAME } from './tokens';
import type { ReadinessRegistry } from './readiness';

/** Liveness (/healthz: the process answers), readiness (/readyz: its dependencies answer) and /metrics (Prometheus). */
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(METRICS) private readonly metrics: MetricsEndpoint,
  ) {}

  @Get('metrics')
  metricsText(@Req() request: Request, @Res() response: Response): void {
    this.metrics.handle(request, response);
  }

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.service };
  }

  @Get('readyz')
  async readyz(@Res() response: Response): Promise<void> {
    const report = await this.readiness.report();
    response.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', service: this.service, checks: report.checks, ...(report.details ? { details: report.details } : {}) });
  }
}
