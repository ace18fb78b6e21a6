import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { Kafka, Producer } from 'kafkajs';
import WebSocket from 'ws';
import { FrameSchema, PayloadEncoding, SubscribeRequestSchema, SubscribeResponseSchema, topicCatalog, type SubscribeResponse } from '@deltastream/contracts';
import { compressFrame, toProtoCodec } from '@deltastream/compression';
import { encodeRecords } from '@deltastream/delta-codec';
import { createKafkaClient, ensureTopics } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { freePort, startService, waitForStatus, type RunningService } from '@deltastream/testing';

const logger = createLogger('edge-it', 'warn');
export const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** One isolated edge scenario: its own topic namespace, ports kept across restarts, a frames producer. */
export class EdgeScenario {
  readonly namespace = `it-edge-${randomUUID().slice(0, 8)}`;
  readonly topics = topicCatalog({ namespace: this.namespace, partitions: 3 });
  readonly kafka: Kafka = createKafkaClient({ clientId: 'edge-it', brokers, logger });
  private producer: Producer | undefined;
  service: RunningService | undefined;
  httpPort = 0;
  grpcPort = 0;

  async setUp(): Promise<this> {
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [this.topics.frames], logger);
    await admin.disconnect();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.httpPort = await freePort();
    this.grpcPort = await freePort();
    return this;
  }

  async startEdge(env: Record<string, string> = {}): Promise<RunningService> {
    const service = await startService('delivery-edge', {
      TOPIC_NAMESPACE: this.namespace,
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: String(this.httpPort),
      GRPC_PORT: String(this.grpcPort),
      EDGE_HEARTBEAT_MS: '1000',
      ...env,
    });
    this.service = service;
    await waitForStatus(service, '/readyz', 200);
    return service;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const service = this.service;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
    service.child.kill(signal);
    await service.exited;
  }

  async tearDown(): Promise<void> {
    await this.kill();
    await this.producer?.disconnect();
  }

  /** Frames `from..to` of `stream`, each with `perFrame` records of entities `e0..e4` (gzip, decodable). */
  async produce(stream: string, from: number, to: number, options: { padding?: number; perFrame?: number } = {}): Promise<void> {
    const messages = [];
    for (let seq = from; seq <= to; seq++) messages.push({ key: stream, value: Buffer.from(toBinary(FrameSchema, frameFor(stream, seq, options))) });
    const chunk = options.padding ? 40 : 200; // stay under the broker's 1 MiB batch limit
    for (let i = 0; i < messages.length; i += chunk) {
      await this.producer?.send({ topic: this.topics.frames.name, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  }

  wsUrl(): string {
    return `ws://127.0.0.1:${this.httpPort}/v1/ws`;
  }

  sseUrl(query: string): string {
    return `http://127.0.0.1:${this.httpPort}/v1/sse?${query}`;
  }

  /** RSS of the edge process in KiB (from /proc). */
  rssKiB(): number {
    const pid = this.service?.child.pid;
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  }
}

export function frameFor(stream: string, seq: number, options: { padding?: number; perFrame?: number } = {}) {
  const records = Array.from({ length: options.perFrame ?? 3 }, (_, i) => ({
    id: `e${(seq + i) % 5}`,
    seq,
    value: seq * 10 + i,
    ...(options.padding ? { blob: randomBytes(options.padding).toString('base64') } : {}),
  }));
  const raw = encodeRecords(records, { entityKey: 'id' });
  const compressed = compressFrame(raw, { codec: options.padding ? 'none' : 'gzip', minBytes: 0 });
  const now = Date.now();
  return create(FrameSchema, {
    stream,
    seq: BigInt(seq),
    windowStartMs: BigInt(now - 1000),
    windowEndMs: BigInt(now),
    eventCount: records.length,
    encoding: PayloadEncoding.DELTA_V1,
    codec: toProtoCodec(compressed.codec),
    rawSize: compressed.rawSize,
    payload: compressed.payload,
    checksum: { algorithm: 1, value: BigInt(compressed.checksum) },
    minObservedAtMs: BigInt(now),
    windowId: `${stream}/${seq}`,
  });
}

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
