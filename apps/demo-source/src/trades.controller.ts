import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { parseTradeQuery, type DemoWorld } from '@deltastream/demo-data';
import { DataResponder } from './http-reply';
import { DEMO_WORLD } from './tokens';

/** Crypto trades, cursor mode `token`: `GET /v1/trades?cursor=<opaque>&limit=<n>`. */
@Controller('v1/trades')
export class TradesController {
  constructor(
    @Inject(DEMO_WORLD) private readonly world: DemoWorld,
    @Inject(DataResponder) private readonly responder: DataResponder,
  ) {}

  @Get()
  trades(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.responder.send(request, response, parseTradeQuery(request.query), (query) => this.world.trades.page(query));
  }
}
