// Real protocol clients of the delivery edge (WebSocket, SSE, gRPC) for integration tests: they record
// every frame seq and notice they receive, so tests can assert continuity across reconnects and restarts.
import http from 'node:http';
import https from 'node:https';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import WebSocket from 'ws';
import { FrameSchema, SubscribeRequestSchema, SubscribeResponseSchema, type SubscribeResponse } from '@deltastream/contracts';

/** What a client saw: frame seqs per stream in arrival order, and every other message. */
export class Received {
  readonly seqs = new Map<string, number[]>();
  readonly notices: Array<Record<string, unknown>> = [];
  readonly arrivals: number[] = [];
  /** Produce → receive delay of each frame (the test producer stamps min_observed_at with its clock). */
  readonly latencies: number[] = [];

  frame(stream: string, seq: number, observedAtMs?: number): void {
    if (observedAtMs) this.latencies.push(Date.now() - observedAtMs);
    let list = this.seqs.get(stream);
    if (!list) this.seqs.set(stream, (list = []));
    list.push(seq);
    this.arrivals.push(Date.now());
  }

  of(stream: string): number[] {
    return this.seqs.get(stream) ?? [];
  }

  last(stream: string): number {
    return this.of(stream).at(-1) ?? 0;
  }
}

/** A WebSocket client speaking the JSON subprotocol; frames are decoded from the binary messages. */
export class WsClient {
  readonly socket: WebSocket;
  closeCode: number | undefined;
  closeReason = '';
  /** Set when the edge refused the upgrade with an HTTP answer (401, 403, 429…); `opened` then rejects. */
  httpStatus: number | undefined;
  httpHeaders: Record<string, string | string[] | undefined> = {};
  httpBody = '';
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(
    url: string,
    readonly received: Received = new Received(),
    options: { protocol?: string; headers?: Record<string, string>; ca?: string } = {},
  ) {
    this.socket = new WebSocket(url, options.protocol ?? 'deltastream.v1.json', { perMessageDeflate: false, ...(options.headers ? { headers: options.headers } : {}), ...(options.ca ? { ca: options.ca } : {}) });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      // A refused upgrade: keep the status, headers and body for assertions, then abort the handshake.
      this.socket.once('unexpected-response', (_request, response) => {
        this.httpStatus = response.statusCode;
        this.httpHeaders = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (this.httpBody += chunk));
        response.on('end', () => {
          reject(new Error(`HTTP ${response.statusCode} on upgrade: ${this.httpBody}`));
          this.socket.terminate();
        });
      });
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve(code);
      }),
    );
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        const frame = fromBinary(FrameSchema, data);
        this.received.frame(frame.stream, Number(frame.seq), Number(frame.minObservedAtMs));
      } else this.received.notices.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  close(): Promise<number> {
    this.socket.close(1000);
    return this.closed;
  }
}

/** A raw-HTTP SSE client: parses events, remembers the last id, reconnects with Last-Event-ID on demand. */
export class SseClient {
  /** Every `event: frame` body as received (JSON format: the records after the edge's filter). */
  readonly frames: Array<Record<string, unknown>> = [];
  lastEventId: string | undefined;
  status: number | undefined;
  /** Headers and body of the last response (a refusal's JSON body is kept in `body`). */
  headers: http.IncomingHttpHeaders = {};
  body = '';
  private request: http.ClientRequest | undefined;
  ended = false;
  /** Resolves when the current response ends (the edge ended the stream, or the connection dropped). */
  endedPromise: Promise<void> = Promise.resolve();

  constructor(
    readonly received: Received = new Received(),
    readonly options: { headers?: Record<string, string>; ca?: string } = {},
  ) {}

  open(url: string, headers: Record<string, string> = {}): Promise<number> {
    this.ended = false;
    this.body = '';
    let markEnded: () => void = () => undefined;
    this.endedPromise = new Promise((resolve) => (markEnded = resolve));
    return new Promise((resolve, reject) => {
      const requestHeaders: Record<string, string> = { accept: 'text/event-stream', ...this.options.headers, ...headers };
      if (this.lastEventId) requestHeaders['last-event-id'] = this.lastEventId;
      const get = url.startsWith('https:') ? https.get : http.get;
      this.request = get(url, { headers: requestHeaders, ...(this.options.ca ? { ca: this.options.ca } : {}) }, (response) => {
        this.status = response.statusCode;
        this.headers = response.headers;
        if (response.statusCode !== 200) {
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (this.body += chunk));
          response.on('end', () => {
            this.ended = true;
            markEnded();
            resolve(response.statusCode ?? 0);
          });
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            this.event(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        const end = () => {
          this.ended = true;
          markEnded();
        };
        response.on('end', end);
        response.on('error', end);
        response.on('close', end);
        resolve(response.statusCode ?? 0);
      });
      this.request.on('error', (error) => {
        this.ended = true;
        markEnded();
        reject(error);
      });
    });
  }

  close(): void {
    this.request?.destroy();
    this.ended = true;
  }

  private event(text: string): void {
    let type = 'message';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    const body = JSON.parse(data) as Record<string, unknown>;
    if (type === 'frame') {
      this.received.frame(String(body['stream']), Number(body['seq']));
      this.frames.push(body);
    }
    else this.received.notices.push({ type, ...body });
  }
}

const SUBSCRIBE_PATH = '/deltastream.v1.DeliveryService/Subscribe';

/** A gRPC client of DeliveryService/Subscribe built on the generic grpc-js client. */
export class GrpcClient {
  private readonly client: grpc.Client;
  private call: grpc.ClientReadableStream<SubscribeResponse> | undefined;
  error: grpc.ServiceError | undefined;
  ended = false;
  /** Resolves when the current call ends (status, error or stream end). */
  endedPromise: Promise<void> = Promise.resolve();

  constructor(
    port: number,
    readonly received: Received = new Received(),
    options: { metadata?: Record<string, string>; ca?: string; serverName?: string } = {},
  ) {
    const credentials = options.ca ? grpc.credentials.createSsl(Buffer.from(options.ca)) : grpc.credentials.createInsecure();
    this.client = new grpc.Client(`${options.serverName ?? '127.0.0.1'}:${port}`, credentials);
    this.metadata = options.metadata ?? {};
  }

  private readonly metadata: Record<string, string>;

  /** `metadata` (e.g. `authorization`, `x-api-key`) is added to the client's default metadata for this call. */
  subscribe(request: MessageInitShape<typeof SubscribeRequestSchema>, deadline?: Date, metadata: Record<string, string> = {}): void {
    this.error = undefined;
    this.ended = false;
    let markEnded: () => void = () => undefined;
    this.endedPromise = new Promise((resolve) => (markEnded = resolve));
    const message = create(SubscribeRequestSchema, request);
    const callMetadata = new grpc.Metadata();
    for (const [key, value] of Object.entries({ ...this.metadata, ...metadata })) callMetadata.set(key, value);
    this.call = this.client.makeServerStreamRequest(
      SUBSCRIBE_PATH,
      (value: Uint8Array) => Buffer.from(value),
      (bytes: Buffer) => fromBinary(SubscribeResponseSchema, bytes),
      toBinary(SubscribeRequestSchema, message),
      callMetadata,
      deadline ? { deadline } : {},
    );
    this.call.on('data', (response: SubscribeResponse) => {
      if (response.message.case === 'frame') this.received.frame(response.message.value.stream, Number(response.message.value.seq));
      else if (response.message.case) this.received.notices.push({ type: response.message.case, stream: response.message.value.stream });
    });
    this.call.on('error', (error: grpc.ServiceError) => {
      this.error = error;
      this.ended = true;
      markEnded();
    });
    this.call.on('end', () => {
      this.ended = true;
      markEnded();
    });
  }

  cancel(): void {
    this.call?.cancel();
  }

  close(): void {
    this.call?.cancel();
    this.client.close();
  }
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
