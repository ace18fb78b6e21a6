import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { parseSensorQuery, type DemoWorld } from '@deltastream/demo-data';
import { DataResponder } from './http-reply';
import { DEMO_WORLD } from './tokens';

/** IoT sensor changes, cursor mode `field`: `GET /v1/sensors/changes?since=<ts>&limit=<n>`. */
@Controller('v1/sensors')
export class SensorsController {
  constructor(
    @Inject(DEMO_WORLD) private readonly world: DemoWorld,
    @Inject(DataResponder) private readonly responder: DataResponder,
  ) {}

  @Get('changes')
  changes(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.responder.send(request, response, parseSensorQuery(request.query), (query) => this.world.sensors.changes(query));
  }
}
