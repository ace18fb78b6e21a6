// An in-process stand-in for the delivery edge (Node only, for the client's unit tests): the real
// protocol parsers from libs/delivery validate what the client sends, frames are real Frame bytes, and
// every misbehaviour a test needs (close codes, refused handshakes, duplicates, gaps, corrupt frames,
// silence) is a method call.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { create, toBinary } from '@bufbuild/protobuf';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameSchema } from '@deltastream/contracts';
import { compressFrame, toProtoCodec, type CodecName } from '@deltastream/compression';
import { encodeRecords, type JsonRecord } from '@deltastream/delta-codec';
import { parseControlMessage, parseSseQuery, startFor, type Subscription } from '@deltastream/delivery';

export interface FrameOptions {
  readonly codec?: CodecName;
  /** Store a wrong CRC32C. */
  readonly badChecksum?: boolean;
  readonly records?: JsonRecord[];
}

/** The records of frame `seq`: three sensors, values derived from the seq. */
export function recordsFor(seq: number): JsonRecord[] {
  return [0, 1, 2].map((i) => ({ id: `e${(seq + i) % 5}`, seq, temp: seq * 10 + i }));
}

export function frameBytes(stream: string, seq: number, options: FrameOptions = {}): Uint8Array {
  const raw = encodeRecords(options.records ?? recordsFor(seq), { entityKey: 'id' });
  const compressed = compressFrame(raw, { codec: options.codec ?? 'gzip', minBytes: 0 });
  const checksum = options.badChecksum ? (compressed.checksum + 1) >>> 0 : compressed.checksum;
  return toBinary(
    FrameSchema,
    create(FrameSchema, {
      stream,
      seq: BigInt(seq),
      windowStartMs: 1000n,
      windowEndMs: 2000n,
      eventCount: 3,
      encoding: 2,
      codec: toProtoCodec(compressed.codec),
      rawSize: compressed.rawSize,
      payload: compressed.payload,
      checksum: { algorithm: 1, value: BigInt(checksum) },
      windowId: `${stream}/${seq}`,
      minObservedAtMs: 1500n,
      ...(compressed.fallback ? { fallback: { codec: toProtoCodec(compressed.fallback.codec), payload: compressed.fallback.payload } } : {}),
    }),
  );
}

export class FakeConnection {
  /** JSON control messages the client sent (WebSocket). */
  readonly messages: Array<Record<string, unknown>> = [];
  /** Stream → last seq sent on this connection (the live position). */
  readonly live = new Map<string, number>();
  closed = false;

  constructor(
    readonly kind: 'ws' | 'sse',
    readonly url: URL,
    readonly headers: http.IncomingHttpHeaders,
    private readonly socket: WebSocket | undefined,
    private readonly response: http.ServerResponse | undefined,
  ) {}

  sendFrame(bytes: Uint8Array, stream?: string, seq?: number): void {
    if (this.closed) return;
    if (this.socket) this.socket.send(bytes, { binary: true });
    else this.response?.write(`${stream && seq !== undefined ? `id: ${stream}:${seq}\n` : ''}event: frame\ndata: ${Buffer.from(bytes).toString('base64')}\n\n`);
  }

  sendJson(message: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.socket) this.socket.send(JSON.stringify(message));
    else {
      const { type, ...body } = message;
      this.response?.write(`event: ${String(type)}\ndata: ${JSON.stringify(body)}\n\n`);
    }
  }

  /** SSE heartbeat comment. */
  heartbeat(): void {
    this.response?.write(': heartbeat\n\n');
  }

  close(code: number, reason = '', retryMs?: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket) this.socket.close(code, reason);
    else this.response?.end(`${retryMs ? `retry: ${retryMs}\n` : ''}event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
  }

  /** Drops the TCP connection without a close handshake (a crash, a cut cable). */
  terminate(): void {
    this.closed = true;
    if (this.socket) this.socket.terminate();
    else this.response?.destroy();
  }
}

export interface Refusal {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export class FakeEdge {
  readonly connections: FakeConnection[] = [];
  /** Stored frames per stream, by seq. */
  readonly stored = new Map<string, Map<number, Uint8Array>>();
  /** Seqs below this per stream are "beyond retention". */
  readonly earliestRetained = new Map<string, number>();
  /** Refuse WebSocket handshakes / SSE requests (status, headers) while set; a function decides per request. */
  refuse: ((kind: 'ws' | 'sse', request: http.IncomingMessage) => Refusal | 'drop' | undefined) | undefined;
  /** Answer pings (default true). */
  answerPings = true;
  /** Called for every valid subscribe; return true when the test handled it itself. */
  onSubscribe: ((connection: FakeConnection, subscription: Subscription) => boolean) | undefined;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has('deltastream.v1.json') ? 'deltastream.v1.json' : false) });
  private readonly listeners: Array<(connection: FakeConnection) => void> = [];

  private constructor() {
    this.server = http.createServer((request, response) => this.http(request, response));
    this.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  static async start(): Promise<FakeEdge> {
    const edge = new FakeEdge();
    await new Promise<void>((resolve) => edge.server.listen(0, '127.0.0.1', resolve));
    return edge;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with the next connection that gets established. */
  nextConnection(): Promise<FakeConnection> {
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  /** The stored bytes of frame `seq` of `stream`. */
  frame(stream: string, seq: number): Uint8Array {
    const bytes = this.stored.get(stream)?.get(seq);
    if (!bytes) throw new Error(`no frame ${stream}#${seq} stored`);
    return bytes;
  }

  latest(stream: string): number {
    return Math.max(0, ...(this.stored.get(stream)?.keys() ?? []));
  }

  store(stream: string, from: number, to = from, options: FrameOptions = {}): void {
    let frames = this.stored.get(stream);
    if (!frames) this.stored.set(stream, (frames = new Map()));
    for (let seq = from; seq <= to; seq++) frames.set(seq, frameBytes(stream, seq, options));
  }

  /** Stores frames and sends them to every connection subscribed to the stream (in seq order). */
  publish(stream: string, from: number, to = from, options: FrameOptions = {}): void {
    this.store(stream, from, to, options);
    for (const connection of this.connections) {
      if (connection.closed || !connection.live.has(stream)) continue;
      for (let seq = from; seq <= to; seq++) {
        connection.sendFrame(this.frame(stream, seq), stream, seq);
        connection.live.set(stream, seq);
      }
    }
  }

  /** What the real edge does for one subscribed stream: retention gap, replay from storage, then live. */
  serve(connection: FakeConnection, subscription: Subscription): void {
    for (const stream of subscription.streams) {
      const start = startFor(subscription, stream);
      const latest = this.latest(stream);
      const earliest = this.earliestRetained.get(stream) ?? 1;
      let after = start.kind === 'seq' ? start.afterSeq : start.kind === 'latest' ? latest : earliest - 1;
      if (after + 1 < earliest) {
        connection.sendJson({ type: 'gap', stream, firstMissingSeq: after + 1, lastMissingSeq: earliest - 1, reason: 'retention', earliestAvailableSeq: earliest });
        after = earliest - 1;
      }
      for (let seq = after + 1; seq <= latest; seq++) connection.sendFrame(this.frame(stream, seq), stream, seq);
      connection.live.set(stream, Math.max(after, latest));
    }
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private established(connection: FakeConnection): void {
    this.connections.push(connection);
    for (const listener of this.listeners.splice(0)) listener(connection);
  }

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.refuse?.('ws', request);
    if (refusal === 'drop') {
      socket.destroy();
      return;
    }
    if (refusal) {
      const headers = Object.entries(refusal.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new FakeConnection('ws', new URL(request.url ?? '/', this.url), request.headers, ws, undefined);
      ws.on('close', () => (connection.closed = true));
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) return;
        const text = data.toString();
        const json = JSON.parse(text) as Record<string, unknown>;
        connection.messages.push(json);
        if (json['type'] === 'auth') return; // issue #8 token refresh: accepted silently
        const parsed = parseControlMessage(text);
        if (!parsed.ok) return connection.close(parsed.code, parsed.reason);
        const message = parsed.message;
        if (message.type === 'ping') {
          if (this.answerPings) connection.sendJson({ type: 'pong', ...(message.id ? { id: message.id } : {}) });
        } else if (message.type === 'unsubscribe') {
          for (const stream of message.streams) connection.live.delete(stream);
          connection.sendJson({ type: 'unsubscribed', streams: message.streams });
        } else if (message.type === 'subscribe') {
          const subscription = message.subscription;
          if (this.onSubscribe?.(connection, subscription)) return;
          for (const stream of subscription.streams) {
            const start = startFor(subscription, stream);
            if (start.kind === 'seq' && start.afterSeq > this.latest(stream)) return connection.close(4400, `cannot resume "${stream}" after seq ${start.afterSeq}`);
          }
          connection.sendJson({ type: 'subscribed', ...(subscription.id ? { id: subscription.id } : {}), streams: subscription.streams });
          this.serve(connection, subscription);
        }
      });
      this.established(connection);
    });
  }

  private http(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname !== '/v1/sse') {
      response.writeHead(404).end();
      return;
    }
    const refusal = this.refuse?.('sse', request);
    if (refusal === 'drop') {
      request.socket.destroy();
      return;
    }
    if (refusal) {
      response.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers }).end(refusal.body ?? '');
      return;
    }
    const lastEventId = request.headers['last-event-id'];
    const parsed = parseSseQuery(url.searchParams, Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId);
    if (!parsed.ok) {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: parsed.code, reason: parsed.reason }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`retry: 1000\n: subscribed ${parsed.subscription.streams.join(',')}\n\n`);
    const connection = new FakeConnection('sse', url, request.headers, undefined, response);
    request.on('close', () => (connection.closed = true));
    if (!this.onSubscribe?.(connection, parsed.subscription)) this.serve(connection, parsed.subscription);
    this.established(connection);
  }
}

/** Polls until `condition` holds (or fails the test after `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
