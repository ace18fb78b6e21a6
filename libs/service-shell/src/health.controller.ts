import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { READINESS, SERVICE_NAME } from './tokens';
import type { ReadinessRegistry } from './readiness';

/** Liveness (/healthz: the process answers) and readiness (/readyz: its dependencies answer). */
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.service };
  }

  @Get('readyz')
  async readyz(@Res() response: Response): Promise<void> {
    const report = await this.readiness.report();
    response.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', service: this.service, checks: report.checks });
  }
}
