// The real delivery edge (from dist/) on a unique topic namespace, fed with Frame records produced
// straight into its frames topic, plus a TCP proxy in front of it whose connections a test can cut.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import type { Kafka, Producer } from 'kafkajs';
import { FrameSchema, PayloadEncoding, topicCatalog } from '@deltastream/contracts';
import { compressFrame, toProtoCodec, type CodecName } from '@deltastream/compression';
import { encodeRecords, type JsonRecord } from '@deltastream/delta-codec';
import { createKafkaClient, ensureTopics } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { freePort, startService, waitForStatus, type RunningService } from '@deltastream/testing';

const logger = createLogger('client-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

export interface ProduceOptions {
  readonly codec?: CodecName;
  /** Store a wrong CRC32C in these seqs' frames. */
  readonly corrupt?: readonly number[];
  /** Replace these seqs' payloads by a gzip bomb: 64 MiB of zeros (~64 KiB compressed) claiming 100 bytes raw. */
  readonly bomb?: readonly number[];
}

const BOMB = gzipSync(Buffer.alloc(64 << 20));

/** The records of frame `seq` of any stream: three entities, values derived from the seq. */
export function recordsFor(seq: number): JsonRecord[] {
  return [0, 1, 2].map((i) => ({ id: `e${(seq + i) % 5}`, seq, temp: seq * 10 + i, note: `reading ${seq}/${i} `.repeat(8) }));
}

export function frameFor(stream: string, seq: number, options: ProduceOptions = {}) {
  const raw = encodeRecords(recordsFor(seq), { entityKey: 'id' });
  const compressed = compressFrame(raw, { codec: options.codec ?? 'gzip', minBytes: 0 });
  const checksum = options.corrupt?.includes(seq) ? (compressed.checksum ^ 0x5a5a5a5a) >>> 0 : compressed.checksum;
  const now = Date.now();
  return create(FrameSchema, {
    stream,
    seq: BigInt(seq),
    windowStartMs: BigInt(now - 1000),
    windowEndMs: BigInt(now),
    eventCount: 3,
    encoding: PayloadEncoding.DELTA_V1,
    codec: toProtoCodec(compressed.codec),
    rawSize: options.bomb?.includes(seq) ? 100 : compressed.rawSize,
    payload: options.bomb?.includes(seq) ? BOMB : compressed.payload,
    checksum: { algorithm: 1, value: BigInt(checksum) },
    minObservedAtMs: BigInt(now),
    windowId: `${stream}/${seq}`,
    ...(compressed.fallback ? { fallback: { codec: toProtoCodec(compressed.fallback.codec), payload: compressed.fallback.payload } } : {}),
  });
}

/** A TCP proxy to the edge: `cut()` drops every connection through it mid-stream, like a flaky network. */
export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  port = 0;
  cuts = 0;

  async start(targetPort: () => number): Promise<this> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(targetPort(), '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Connections currently open through the proxy (client side and edge side each count). */
  get open(): number {
    return this.sockets.size;
  }

  cut(): void {
    this.cuts++;
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** One isolated scenario: its own topic namespace and frames producer, an edge kept on the same ports across restarts. */
export class EdgeScenario {
  readonly namespace = `it-client-${randomUUID().slice(0, 8)}`;
  readonly topics = topicCatalog({ namespace: this.namespace, partitions: 3 });
  readonly kafka: Kafka = createKafkaClient({ clientId: 'client-it', brokers, logger });
  private producer: Producer | undefined;
  service: RunningService | undefined;
  httpPort = 0;

  async setUp(): Promise<this> {
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [this.topics.frames], logger);
    await admin.disconnect();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.httpPort = await freePort();
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async startEdge(env: Record<string, string> = {}): Promise<RunningService> {
    const service = await startService('delivery-edge', {
      TOPIC_NAMESPACE: this.namespace,
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: String(this.httpPort),
      GRPC_PORT: String(await freePort()),
      EDGE_HEARTBEAT_MS: '1000',
      ...env,
    });
    this.service = service;
    await waitForStatus(service, '/readyz', 200);
    return service;
  }

  async stopEdge(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const service = this.service;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
    service.child.kill(signal);
    await service.exited;
  }

  async tearDown(): Promise<void> {
    await this.stopEdge();
    await this.producer?.disconnect();
  }

  /** Produces frames `from..to` of `stream` into the frames topic (Kafka key = stream, as the compressor does). */
  async produce(stream: string, from: number, to: number, options: ProduceOptions = {}): Promise<void> {
    const messages = [];
    for (let seq = from; seq <= to; seq++) messages.push({ key: stream, value: Buffer.from(toBinary(FrameSchema, frameFor(stream, seq, options))) });
    for (let i = 0; i < messages.length; i += 200) {
      await this.producer?.send({ topic: this.topics.frames.name, acks: -1, messages: messages.slice(i, i + 200) });
    }
  }

  /** Deletes every record of `stream`'s partition before `offset` (retention, made to happen now). */
  async expireBefore(offset: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const partitions = await admin.fetchTopicOffsets(this.topics.frames.name);
      const used = partitions.filter((p) => Number(p.high) > 0);
      if (used.length !== 1) throw new Error(`expected one used partition, found ${used.length}`);
      await admin.deleteTopicRecords({ topic: this.topics.frames.name, partitions: [{ partition: used[0]?.partition ?? 0, offset: String(offset) }] });
    } finally {
      await admin.disconnect();
    }
  }
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
