import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { clientIp, originAllowed, requestScheme, type OriginPolicy } from '@deltastream/access';
import { CloseCode, httpStatusFor, parseSseQuery, type GapNoticeInfo } from '@deltastream/delivery';
import { credentialFrom } from '../auth/credentials';
import type { Gate } from '../auth/gate';
import type { FrameEvent } from '../frames/frame-event';
import { Session, type SessionDeps, type StreamView, type Transport, type WireFormat } from '../session/session';

export const SSE_PATH = '/v1/sse';
/** How long EventSource waits before reconnecting (it resumes with Last-Event-ID). */
const RETRY_MS = 1000;
/** After a slow-consumer close: back off longer before coming back. */
const SLOW_RETRY_MS = 10_000;

const gapEvent = (info: GapNoticeInfo) => `event: gap\ndata: ${JSON.stringify(info)}\n\n`;
const snapshotEvent = (stream: string, asOfSeq: number, records: readonly unknown[]) => `event: snapshot\ndata: ${JSON.stringify({ stream, asOfSeq, records })}\n\n`;

/** `format=json` (default): decoded records, filtered and projected per subscriber, shared per filter. */
const jsonWire: WireFormat<string> = {
  frame: (event: FrameEvent, view: StreamView) =>
    event.encoded(`sse-json:${view.filterKey}`, () => {
      const json = event.json(view.filter);
      return json ? `event: frame\ndata: ${JSON.stringify(json)}\n\n` : `event: undecodable\ndata: ${JSON.stringify({ stream: event.stream, seq: event.seq })}\n\n`;
    }),
  gap: gapEvent,
  snapshot: snapshotEvent,
  size: (payload) => payload.length,
};

/** `format=frames`: the Frame bytes (as stored, or the gzip fallback) in base64, one event each. */
const framesWire: WireFormat<string> = {
  frame: (event, view) => {
    const choice = view.choice(event);
    return event.encoded(`sse-b64:${choice}`, () => `event: frame\ndata: ${Buffer.from(event.binary(choice)).toString('base64')}\n\n`);
  },
  gap: gapEvent,
  snapshot: snapshotEvent,
  size: (payload) => payload.length,
};

type Encoding = 'br' | 'gzip' | 'identity';

/** Picks the response compression from Accept-Encoding (q=0 refuses a coding). */
export function negotiateEncoding(header: string | undefined): Encoding {
  const offered = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    offered.set(name, q ? Number(q.slice(2)) : 1);
  }
  const weight = (coding: string) => offered.get(coding) ?? offered.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return 'identity';
}

export interface SseOptions {
  readonly deps: SessionDeps;
  readonly gate: Gate;
  readonly origins: OriginPolicy;
  readonly trustProxyHops: number;
  readonly heartbeatMs: number;
  /**
   * Most SSE responses compressed at once (EDGE_MAX_COMPRESSED_SSE). Each holds its own compressor: the
   * JSON events are the subscriber's filtered view and are compressed per connection, unlike binary frames.
   * Beyond the cap a response is sent uncompressed — never refused.
   */
  readonly maxCompressed?: number;
}

/** Compressed SSE responses at once by default (EDGE_MAX_COMPRESSED_SSE). */
export const DEFAULT_MAX_COMPRESSED_SSE = 200;

/** Credential failures mid-stream are `event: error` (the auth contract); other server-side ends are `event: close`. */
const AUTH_CODES: ReadonlySet<number> = new Set([CloseCode.Unauthorized, CloseCode.StreamNotAllowed]);

/** Server-Sent Events on `GET /v1/sse` (see docs/protocols.md). */
export class SseEdge {
  private readonly sessions = new Set<Session<string>>();
  private compressedResponses = 0;

  constructor(private readonly options: SseOptions) {}

  queuedBytes(): number {
    let total = 0;
    for (const session of this.sessions) total += session.queuedBytes();
    return total;
  }

  close(): void {
    for (const session of [...this.sessions]) session.closeWith(CloseCode.GoingAway, 'server shutting down');
  }

  /**
   * CORS preflight for fetch-based SSE clients that send Authorization / x-api-key headers from another
   * origin (EventSource itself never preflights). Allowed origins only.
   */
  preflight(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    if (origin === undefined || !originAllowed(this.options.origins, origin, request.headers.host)) {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: CloseCode.StreamNotAllowed, reason: 'origin not allowed' }));
      return;
    }
    response.writeHead(204, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'authorization, x-api-key, last-event-id, accept, cache-control',
      'access-control-max-age': '600',
      vary: 'origin',
    });
    response.end();
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://edge');
    const origin = request.headers.origin;
    const forwardedFor = request.headers['x-forwarded-for'];
    const admission = await this.options.gate.admit({
      protocol: 'sse',
      ip: clientIp(request.socket.remoteAddress, Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor, this.options.trustProxyHops),
      origin,
      host: request.headers.host,
      scheme: requestScheme('encrypted' in request.socket && request.socket.encrypted === true, headerValue(request.headers['x-forwarded-proto']), this.options.trustProxyHops),
      credential: credentialFrom({ authorization: request.headers.authorization, apiKey: request.headers['x-api-key'], query: url.searchParams }),
    });
    if (!admission.ok) {
      this.options.deps.metrics.rejected('sse', admission.code);
      refuse(response, admission.code, admission.reason, admission.retryAfterSec);
      return;
    }
    // A browser page of an allowed origin may read the stream (EventSource with credentials in the URL).
    if (origin !== undefined) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'origin, accept-encoding');
    }
    if (request.destroyed) {
      admission.lease.release();
      return;
    }
    const lastEventId = request.headers['last-event-id'];
    const parsed = parseSseQuery(url.searchParams, Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId);
    if (!parsed.ok) {
      admission.lease.release();
      this.options.deps.metrics.rejected('sse', parsed.code);
      refuse(response, parsed.code, parsed.reason);
      return;
    }
    const frames = url.searchParams.get('format') === 'frames';
    const negotiated = frames ? 'identity' : negotiateEncoding(request.headers['accept-encoding']);
    const encoding = negotiated !== 'identity' && this.compressedResponses >= (this.options.maxCompressed ?? DEFAULT_MAX_COMPRESSED_SSE) ? 'identity' : negotiated;
    if (encoding !== 'identity') {
      this.compressedResponses += 1;
      response.once('close', () => (this.compressedResponses -= 1));
    }
    // A 64 KiB brotli window (not the default 4 MiB) and gzip's 32 KiB: a small event stream gains nearly as
    // much, and fifty compressed streams no longer cost hundreds of MiB.
    const out: Writable =
      encoding === 'br'
        ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_LGWIN]: 16 } })
        : encoding === 'gzip'
          ? zlib.createGzip({ level: 6, memLevel: 8 })
          : response;
    const flush = () => {
      if (out instanceof zlib.Gzip) out.flush(zlib.constants.Z_SYNC_FLUSH);
      else if (out instanceof zlib.BrotliCompress) out.flush(zlib.constants.BROTLI_OPERATION_FLUSH);
    };
    // Items produced while the subscription is being set up wait until the status line is decided.
    let pending: string[] | undefined = [];
    let ended = false;
    const positions = new Map<string, number>();
    const send = (text: string) => {
      const ok = out.write(text);
      flush();
      return ok;
    };
    const transport: Transport<string> = {
      protocol: 'sse',
      wire: frames ? framesWire : jsonWire,
      write: (payload, item) => {
        let text = payload;
        if (item.kind !== 'notice') {
          positions.set(item.stream, item.seq);
          // The id carries every stream's position, so one Last-Event-ID resumes the whole connection.
          text = `id: ${[...positions].map(([stream, seq]) => `${stream}:${seq}`).join(',')}\n${payload}`;
        }
        if (pending) {
          pending.push(text);
          return true;
        }
        return ended ? true : send(text);
      },
      close: (code, reason) => {
        if (pending) {
          pending = undefined;
          refuse(response, code, reason);
          return;
        }
        if (ended) return;
        ended = true;
        const retry = code === CloseCode.SlowConsumer || code === CloseCode.RateLimited ? `retry: ${SLOW_RETRY_MS}\n` : '';
        out.end(`${retry}event: ${AUTH_CODES.has(code) ? 'error' : 'close'}\ndata: ${JSON.stringify({ code, reason })}\n\n`);
      },
    };
    const session = new Session<string>(transport, this.options.deps, { principal: admission.principal, lease: admission.lease, presented: admission.credential });
    this.sessions.add(session);
    // Comments keep proxies from timing the stream out; a dead peer fails a write and closes.
    const heartbeat = setInterval(() => {
      if (!ended && pending === undefined && out.writableLength === 0) send(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      ended = true;
      session.dispose();
      this.sessions.delete(session);
    };
    request.on('close', cleanup);
    response.on('error', cleanup);

    const result = await session.subscribe(parsed.subscription);
    if (!result.ok) {
      this.options.deps.metrics.rejected('sse', result.code);
      session.closeWith(result.code, result.reason);
      cleanup();
      return;
    }
    if (session.isClosed || request.destroyed) return;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...(origin === undefined ? { vary: 'accept-encoding' } : {}),
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    });
    if (out !== response) out.pipe(response);
    out.on('drain', () => session.drained());
    const queued = pending;
    pending = undefined;
    send(`retry: ${RETRY_MS}\n: subscribed ${parsed.subscription.streams.join(',')}\n\n`);
    for (const text of queued ?? []) send(text);
  }
}

function refuse(response: ServerResponse, code: CloseCode, reason: string, retryAfterSec?: number): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(httpStatusFor(code), { 'content-type': 'application/json', ...(retryAfterSec === undefined ? {} : { 'retry-after': String(retryAfterSec) }) });
  response.end(JSON.stringify({ code, reason }));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
