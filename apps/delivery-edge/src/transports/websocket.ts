import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { clientIp, requestScheme, WindowCounter, type Rate } from '@deltastream/access';
import { CloseCode, ControlLimits, httpStatusFor, parseControlMessage, parseSubscribeRequestBytes, type Rejection, type Subscription } from '@deltastream/delivery';
import type { Logger } from '@deltastream/observability';
import { credentialFrom } from '../auth/credentials';
import type { Admission, Gate, Refusal } from '../auth/gate';
import { protoWire } from '../session/proto-wire';
import { Session, type SessionDeps, type Transport, type WireFormat } from '../session/session';

export const WS_PATH = '/v1/ws';
/** Subprotocols: JSON control and notices (default), or Protobuf SubscribeRequest / SubscribeResponse. */
export const WS_JSON_PROTOCOL = 'deltastream.v1.json';
export const WS_PROTO_PROTOCOL = 'deltastream.v1.proto';

type WsPayload = Uint8Array | string;

/** JSON subprotocol: frames as binary messages exactly as stored, everything else as JSON text. */
const jsonWire: WireFormat<WsPayload> = {
  frame: (event, view) => event.binary(view.choice(event)),
  gap: (info) => JSON.stringify({ type: 'gap', ...info }),
  snapshot: (stream, asOfSeq, records) => JSON.stringify({ type: 'snapshot', stream, asOfSeq, records }),
  size: (payload) => (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength),
};

export interface WebSocketOptions {
  readonly deps: SessionDeps;
  readonly gate: Gate;
  readonly heartbeatMs: number;
  readonly highWaterBytes: number;
  /** Per connection: every control message (text or binary). */
  readonly controlRate: Rate;
  /** Per connection: subscribe requests. */
  readonly subscribeRate: Rate;
  readonly trustProxyHops: number;
  readonly logger: Logger;
}

type Admitted = Extract<Admission, { ok: true }>;

/** The HTTP answer to a refused upgrade: no WebSocket is opened (401, 403, 429 + Retry-After). */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const status = httpStatusFor(refusal.code);
  const body = JSON.stringify({ code: refusal.code, reason: refusal.reason });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(refusal.retryAfterSec === undefined ? [] : [`Retry-After: ${refusal.retryAfterSec}`]),
    'Connection: close',
  ];
  if (socket.writable) socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

/** WebSocket delivery on `GET /v1/ws` of the service's HTTP server (upgrade), permessage-deflate off. */
export class WebSocketEdge {
  private readonly server: WebSocketServer;
  private readonly sessions = new Set<Session<WsPayload>>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: WebSocketOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      // Frames are already compressed; deflating them again costs CPU and memory per connection for nothing.
      perMessageDeflate: false,
      // ws closes with 1009 itself when a client message is larger.
      maxPayload: ControlLimits.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has(WS_PROTO_PROTOCOL) ? WS_PROTO_PROTOCOL : protocols.has(WS_JSON_PROTOCOL) ? WS_JSON_PROTOCOL : false),
    });
  }

  attach(http: Server): void {
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.upgrade(request, socket, head).catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'websocket upgrade failed');
        socket.destroy();
      });
    });
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  queuedBytes(): number {
    let total = 0;
    for (const session of this.sessions) total += session.queuedBytes();
    return total;
  }

  /** Closes every connection with 1001 (clients reconnect elsewhere and resume). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const session of [...this.sessions]) session.closeWith(CloseCode.GoingAway, 'server shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private beat(): void {
    for (const ws of this.server.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  /** Credentials, Origin and limits are checked before the upgrade: a refusal is a plain HTTP answer. */
  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The socket may fail while the checks wait on Redis; its error must not reach the process.
    socket.on('error', () => undefined);
    const query = new URL(request.url ?? '/', 'http://edge').searchParams;
    const admission = await this.options.gate.admit({
      protocol: 'ws',
      ip: clientIp(request.socket.remoteAddress, headerText(request.headers['x-forwarded-for']), this.options.trustProxyHops),
      origin: request.headers.origin,
      host: request.headers.host,
      scheme: requestScheme('encrypted' in request.socket && request.socket.encrypted === true, headerText(request.headers['x-forwarded-proto']), this.options.trustProxyHops),
      credential: credentialFrom({ authorization: request.headers.authorization, apiKey: request.headers['x-api-key'], query }),
    });
    if (!admission.ok) {
      this.options.deps.metrics.rejected('ws', admission.code);
      refuseUpgrade(socket, admission);
      return;
    }
    // Until the WebSocket exists, the lease is the socket's: freed if the client left or ws refused the handshake.
    let accepted = false;
    socket.once('close', () => {
      if (!accepted) admission.lease.release();
    });
    if (socket.destroyed) {
      admission.lease.release();
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      accepted = true;
      this.accept(ws, admission);
    });
  }

  private accept(ws: WebSocket, admission: Admitted): void {
    const proto = ws.protocol === WS_PROTO_PROTOCOL;
    const { highWaterBytes, logger } = this.options;
    let inFlight = 0;
    let blocked = false;
    const transport: Transport<WsPayload> = {
      protocol: 'ws',
      wire: proto ? protoWire : jsonWire,
      write: (payload) => {
        const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
        inFlight += size;
        ws.send(payload, { binary: typeof payload !== 'string' }, () => {
          inFlight -= size;
          if (blocked && inFlight <= highWaterBytes / 2) {
            blocked = false;
            session.drained();
          }
        });
        if (inFlight >= highWaterBytes) blocked = true;
        return !blocked;
      },
      close: (code, reason) => {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      },
    };
    const session = new Session<WsPayload>(transport, this.options.deps, { principal: admission.principal, lease: admission.lease, presented: admission.credential });
    this.sessions.add(session);
    this.alive.set(ws, true);
    const reply = (message: Record<string, unknown>) => {
      if (!proto) session.notice(JSON.stringify(message));
    };
    const limits = { control: new WindowCounter(this.options.controlRate), subscribe: new WindowCounter(this.options.subscribeRate) };
    // Control messages are handled one at a time, in arrival order (subscribe waits for start positions).
    let chain = Promise.resolve();
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.alive.set(ws, true);
      // Counted on arrival, not when handled: a flood is refused even while a subscribe is in progress.
      if (!limits.control.take(Date.now()).ok) {
        this.limited(session, 'control', 'too many control messages');
        return;
      }
      chain = chain
        .then(() => this.handle(session, data, isBinary, proto, reply, limits.subscribe))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'websocket control message failed');
          session.closeWith(CloseCode.GoingAway, 'internal error');
        });
    });
    ws.on('error', (error) => logger.debug({ err: error }, 'websocket error'));
    ws.on('close', () => {
      session.dispose();
      this.sessions.delete(session);
    });
  }

  private async handle(
    session: Session<WsPayload>,
    data: RawData,
    isBinary: boolean,
    proto: boolean,
    reply: (message: Record<string, unknown>) => void,
    subscribeLimit: WindowCounter,
  ): Promise<void> {
    if (session.isClosed) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      const parsed = parseSubscribeRequestBytes(bytes);
      if (!parsed.ok) return this.refuse(session, parsed);
      if (!subscribeLimit.take(Date.now()).ok) return this.limited(session, 'subscribe', 'too many subscribe requests');
      return this.subscribe(session, parsed.subscription, proto);
    }
    const parsed = parseControlMessage(bytes.toString('utf8'));
    if (!parsed.ok) return this.refuse(session, parsed);
    const message = parsed.message;
    switch (message.type) {
      case 'subscribe':
        if (!subscribeLimit.take(Date.now()).ok) return this.limited(session, 'subscribe', 'too many subscribe requests');
        return this.subscribe(session, message.subscription, proto);
      case 'unsubscribe':
        session.unsubscribe(message.streams);
        return reply({ type: 'unsubscribed', id: message.id, streams: message.streams });
      case 'ping':
        return reply({ type: 'pong', id: message.id });
      case 'auth':
        return this.reauthenticate(session, message.token, message.id, reply);
    }
  }

  /** `{"type":"auth","token"}`: a fresh token replaces the connection's (same subject; its exp applies). */
  private async reauthenticate(session: Session<WsPayload>, token: string, id: string | undefined, reply: (message: Record<string, unknown>) => void): Promise<void> {
    const outcome = await this.options.gate.reauthenticate('ws', session.principal, session.lease, token);
    if (session.isClosed) {
      if (outcome.ok && outcome.lease !== session.lease) outcome.lease.release();
      return;
    }
    if (!outcome.ok) return this.refuse(session, outcome);
    const refusal = session.replaceCredential({ principal: outcome.principal, lease: outcome.lease, presented: { kind: 'jwt', token } });
    if (refusal) {
      if (outcome.lease !== session.lease) outcome.lease.release();
      this.options.deps.metrics.authRefusal('ws', 'stream_not_allowed');
      return this.refuse(session, refusal);
    }
    reply({ type: 'authenticated', id, subject: outcome.principal.subject, expiresAt: outcome.principal.expiresAtMs ?? null });
  }

  private limited(session: Session<WsPayload>, limit: string, reason: string): void {
    this.options.deps.metrics.rateLimited('ws', limit);
    this.refuse(session, { ok: false, code: CloseCode.RateLimited, reason });
  }

  private async subscribe(session: Session<WsPayload>, subscription: Subscription, proto: boolean): Promise<void> {
    const ack = proto ? undefined : JSON.stringify({ type: 'subscribed', id: subscription.id, streams: subscription.streams });
    const result = await session.subscribe(subscription, ack);
    if (!result.ok) this.refuse(session, result);
  }

  private refuse(session: Session<WsPayload>, rejection: Rejection): void {
    this.options.deps.metrics.rejected('ws', rejection.code);
    session.closeWith(rejection.code, rejection.reason);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
