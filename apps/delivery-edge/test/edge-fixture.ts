import { randomBytes, randomUUID } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import type { Kafka, Producer } from 'kafkajs';
import { FrameSchema, PayloadEncoding, topicCatalog } from '@deltastream/contracts';
import { compressFrame, toProtoCodec } from '@deltastream/compression';
import { encodeRecords } from '@deltastream/delta-codec';
import { createKafkaClient, ensureTopics } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { freePort, startService, waitForStatus, type RunningService } from '@deltastream/testing';

// The protocol clients live in @deltastream/testing (the pipeline e2e test uses them too).
export { GrpcClient, Received, SseClient, WsClient, range } from '@deltastream/testing';

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

  /** One frame as given (a hand-made, possibly hostile one). */
  async produceFrame(frame: ReturnType<typeof frameFor>): Promise<void> {
    await this.producer?.send({ topic: this.topics.frames.name, acks: -1, messages: [{ key: frame.stream, value: Buffer.from(toBinary(FrameSchema, frame)) }] });
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

