import { Controller, HttpException, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@deltastream/ingest';
import { IngestRuntime } from '../ingest.runtime';
import { BodyTooLargeError, readBody } from './read-body';
import { ingestPush } from './push-ingest';

/** Webhook input: POST /v1/sources/:id/events with an HMAC-SHA256 signature (see docs/configuration.md). */
@Controller('v1/sources')
export class PushController {
  constructor(@Inject(IngestRuntime) private readonly runtime: IngestRuntime) {}

  @Post(':id/events')
  async push(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const resolved = this.runtime.sources.find((s) => s.config.id === id);
    let body: Uint8Array;
    try {
      body = await readBody(request, resolved?.config.push?.maxBodyBytes ?? 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        response.status(413).json({ error: error.message });
        return;
      }
      throw new HttpException('could not read the body', 400);
    }
    const outcome = await ingestPush({
      source: resolved?.config,
      secret: resolved?.pushSecret,
      body,
      timestampHeader: request.header(TIMESTAMP_HEADER),
      signatureHeader: request.header(SIGNATURE_HEADER),
      nowMs: Date.now(),
      changes: this.runtime.pushChanges,
      rejects: this.runtime.rejects,
      metrics: this.runtime.metrics,
      replays: this.runtime.replays,
    });
    const { status, ...rest } = outcome;
    response.status(status).json(rest);
  }
}
