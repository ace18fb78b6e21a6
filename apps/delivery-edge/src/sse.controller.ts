import { Controller, Get, Inject, Options, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgeRuntime } from './edge.runtime';

/** `GET /v1/sse`: the Server-Sent Events transport (the raw request and response; Nest stays out of the way). */
@Controller('v1')
export class SseController {
  constructor(@Inject(EdgeRuntime) private readonly runtime: EdgeRuntime) {}

  @Get('sse')
  async sse(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    await this.runtime.sse.handle(request, response);
  }

  @Options('sse')
  preflight(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.runtime.sse.preflight(request, response);
  }
}
