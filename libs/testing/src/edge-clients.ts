// Real protocol clients of the delivery edge (WebSocket, SSE, gRPC) for integration tests: they record
// every frame seq and notice they receive, so tests can assert continuity across reconnects and restarts.
import http from 'node:http';
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
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(
    url: string,
    readonly received: Received = new Received(),
    options: { protocol?: string } = {},
  ) {
    this.socket = new WebSocket(url, options.protocol ?? 'deltastream.v1.json', { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
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
  lastEventId: string | undefined;
  status: number | undefined;
  private request: http.ClientRequest | undefined;
  ended = false;

  constructor(readonly received: Received = new Received()) {}

  open(url: string): Promise<number> {
    this.ended = false;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      this.request = http.get(url, { headers }, (response) => {
        this.status = response.statusCode;
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            this.event(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        response.on('end', () => (this.ended = true));
        response.on('error', () => (this.ended = true));
        response.on('close', () => (this.ended = true));
        resolve(response.statusCode ?? 0);
      });
      this.request.on('error', (error) => {
        this.ended = true;
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
    if (type === 'frame') this.received.frame(String(body['stream']), Number(body['seq']));
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

  constructor(
    port: number,
    readonly received: Received = new Received(),
  ) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  subscribe(request: MessageInitShape<typeof SubscribeRequestSchema>, deadline?: Date): void {
    this.error = undefined;
    this.ended = false;
    const message = create(SubscribeRequestSchema, request);
    this.call = this.client.makeServerStreamRequest(
      SUBSCRIBE_PATH,
      (value: Uint8Array) => Buffer.from(value),
      (bytes: Buffer) => fromBinary(SubscribeResponseSchema, bytes),
      toBinary(SubscribeRequestSchema, message),
      new grpc.Metadata(),
      deadline ? { deadline } : {},
    );
    this.call.on('data', (response: SubscribeResponse) => {
      if (response.message.case === 'frame') this.received.frame(response.message.value.stream, Number(response.message.value.seq));
      else if (response.message.case) this.received.notices.push({ type: response.message.case, stream: response.message.value.stream });
    });
    this.call.on('error', (error: grpc.ServiceError) => {
      this.error = error;
      this.ended = true;
    });
    this.call.on('end', () => (this.ended = true));
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
