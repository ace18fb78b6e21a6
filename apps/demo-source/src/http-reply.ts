import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { padBody, truncateBody, type DemoWorld, type Parsed } from '@deltastream/demo-data';
import { DEMO_WORLD } from './tokens';

/** A strong ETag: a hash of the exact body bytes. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** If-None-Match (RFC 9110 §13.1.2: weak comparison, `*` matches any current representation). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** 400 with every problem named by its parameter. */
export function sendBadRequest(response: Response, problems: readonly string[]): void {
  response.status(400).json({ statusCode: 400, error: 'Bad Request', message: problems.join('; '), problems });
}

/**
 * The HTTP side of every data endpoint: the query was parsed (400 when invalid, before anything is
 * counted), then the request's fault decision (latency, 429, 5xx, body faults), then the page from the
 * pure library, serialised once; a strong ETag of the body, and 304 without a body when it matches.
 */
@Injectable()
export class DataResponder {
  constructor(@Inject(DEMO_WORLD) private readonly world: DemoWorld) {}

  async send<Query>(request: Request, response: Response, query: Parsed<Query>, read: (query: Query) => object): Promise<void> {
    if (!query.ok) {
      sendBadRequest(response, query.problems);
      return;
    }
    const fault = this.world.faults.nextRequest();
    if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.kind === 'throttle') {
      response
        .status(429)
        .setHeader('Retry-After', String(fault.retryAfterS))
        .json({ statusCode: 429, error: 'Too Many Requests', message: `injected fault: retry after ${fault.retryAfterS} s` });
      return;
    }
    if (fault.kind === 'error') {
      response.status(fault.status).json({ statusCode: fault.status, error: 'Injected Fault', message: 'injected fault: upstream error' });
      return;
    }
    let body = JSON.stringify(read(query.value));
    if (fault.oversizeBytes !== undefined) body = padBody(body, fault.oversizeBytes);
    if (fault.malformed) body = truncateBody(body);
    const etag = strongEtag(body);
    response.setHeader('ETag', etag);
    response.setHeader('Cache-Control', 'no-cache');
    if (etagMatches(request.header('if-none-match'), etag)) {
      response.status(304).end();
      return;
    }
    response.status(200).type('application/json').send(body);
  }
}
