import { Body, Controller, Get, Inject, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { DemoStats, DemoWorld, FaultConfig } from '@deltastream/demo-data';
import { faultConfigSchema } from './config';
import { sendBadRequest } from './http-reply';
import { DEMO_WORLD } from './tokens';

/** Fault switches and generator statistics (no authentication: the port must stay private). */
@Controller('admin')
export class AdminController {
  constructor(@Inject(DEMO_WORLD) private readonly world: DemoWorld) {}

  @Get('faults')
  faults(): FaultConfig {
    return this.world.faults.config;
  }

  /** Replaces the whole fault configuration (an omitted key is off); answers the new one. */
  @Put('faults')
  setFaults(@Req() request: Request, @Body() body: unknown, @Res() response: Response): void {
    if (!request.is('application/json')) {
      sendBadRequest(response, ['body: expected Content-Type: application/json']);
      return;
    }
    const parsed = faultConfigSchema.safeParse(body);
    if (!parsed.success) {
      sendBadRequest(response, parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`));
      return;
    }
    this.world.faults.set(parsed.data);
    response.status(200).json(this.world.faults.config);
  }

  @Get('stats')
  stats(): DemoStats {
    return this.world.stats();
  }
}
