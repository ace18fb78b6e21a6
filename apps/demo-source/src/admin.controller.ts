import { Body, Controller, Get, Inject, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ZodType } from 'zod';
import type { DemoStats, DemoWorld, FaultConfig, SimulatedClock } from '@deltastream/demo-data';
import { faultConfigSchema, speedChangeSchema } from './config';
import { sendBadRequest } from './http-reply';
import { DEMO_CLOCK, DEMO_WORLD } from './tokens';

/** The validated JSON body, or undefined after answering 400 with every problem. */
function jsonBody<T>(request: Request, response: Response, body: unknown, schema: ZodType<T>): T | undefined {
  if (!request.is('application/json')) {
    sendBadRequest(response, ['body: expected Content-Type: application/json']);
    return undefined;
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  sendBadRequest(response, parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`));
  return undefined;
}

/** Fault switches and generator statistics (no authentication: the port must stay private). */
@Controller('admin')
export class AdminController {
  constructor(
    @Inject(DEMO_WORLD) private readonly world: DemoWorld,
    @Inject(DEMO_CLOCK) private readonly clock: SimulatedClock,
  ) {}

  @Get('faults')
  faults(): FaultConfig {
    return this.world.faults.config;
  }

  /** Replaces the whole fault configuration (an omitted key is off); answers the new one. */
  @Put('faults')
  setFaults(@Req() request: Request, @Body() body: unknown, @Res() response: Response): void {
    const faults = jsonBody(request, response, body, faultConfigSchema);
    if (!faults) return;
    this.world.faults.set(faults);
    response.status(200).json(this.world.faults.config);
  }

  @Get('speed')
  speed(): { speed: number; nowMs: number } {
    return { speed: this.clock.speed, nowMs: this.clock() };
  }

  /**
   * Changes how fast simulated time runs (so the update rate: sensors × hz × speed), continuing from the
   * current simulated instant — for load ramps (`npm run bench:throughput`) without restarting the source.
   */
  @Put('speed')
  setSpeed(@Req() request: Request, @Body() body: unknown, @Res() response: Response): void {
    const change = jsonBody(request, response, body, speedChangeSchema);
    if (!change) return;
    this.clock.setSpeed(change.speed);
    response.status(200).json(this.speed());
  }

  @Get('stats')
  stats(): DemoStats {
    return this.world.stats();
  }
}
