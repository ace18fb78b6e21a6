import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import type { Kafka, Producer } from 'kafkajs';
import { DeadLetterSchema, EncodedBatchSchema, FrameSchema, PayloadEncoding, topicCatalog } from '@deltastream/contracts';
import { decodeFramePayload, fromProtoCodec } from '@deltastream/compression';
import { decodeRecords, encodeRecords, recordsFromJson } from '@deltastream/delta-codec';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { cleanUp, eventually, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';
import { webhookPayloads } from '../src/framing/fixtures/webhook-payloads';

const logger = createLogger('compressor-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let kafka: Kafka;
let producer: Producer;
const running: RunningService[] = [];
const readers: TopicReader<typeof FrameSchema | typeof DeadLetterSchema>[] = [];

beforeAll(async () => {
  kafka = createKafkaClient({ clientId: 'compressor-it', brokers, logger });
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
});

afterEach(async () => {
  await cleanUp(running, readers);
});

afterAll(async () => {
  await producer.disconnect();
});

/** A sensor-like record set: repetitive numbers, so real codecs have something to win. */
function recordsFor(stream: string, window: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${stream}-${i % 10}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + window * 1000 + i).toISOString(),
    temperature: 20 + ((window + i) % 7) / 10,
    status: i % 3 === 0 ? 'ok' : 'warm',
  }));
}

/**
 * GeoJSON-like features (nested objects, coordinates arrays, long URL strings, irregular values): records
 * whose delta form compresses worse than their JSON text.
 */
/** The records of a frame payload, in whichever form the compressor kept. */
function frameRecords(frame: { codec: number; payload: Uint8Array; rawSize: number; checksum?: { value: bigint }; encoding: PayloadEncoding }): unknown[] {
  const raw = decodeFramePayload({ codec: fromProtoCodec(frame.codec), payload: frame.payload, rawSize: frame.rawSize, checksum: frame.checksum?.value }, { maxBytes: 1 << 22 });
  return frame.encoding === PayloadEncoding.JSON ? recordsFromJson(raw) : decodeRecords(raw);
}

function encodedBatch(stream: string, window: number, partition = 0, count = 40, make = recordsFor) {
  const records = make(stream, window, count);
  const startMs = Date.UTC(2026, 0, 1) + window * 1000;
  const batch = create(EncodedBatchSchema, {
    windowId: `${stream}/${startMs}/${partition}/0`,
    stream,
    windowStartMs: BigInt(startMs),
    windowEndMs: BigInt(startMs + 1000),
    eventCount: records.length,
    encoding: PayloadEncoding.DELTA_V1,
    payload: encodeRecords(records as never, { entityKey: 'id' }),
    minObservedAtMs: BigInt(startMs + 5),
  });
  return { batch, records };
}

function scenario() {
  const namespace = `it-compress-${randomUUID().slice(0, 8)}`;
  const topics = topicCatalog({ namespace });
  const start = async (env: Record<string, string> = {}) => {
    const service = await startService('compressor', { TOPIC_NAMESPACE: namespace, LOG_LEVEL: 'info', ...env });
    running.push(service);
    await waitForStatus(service, '/readyz', 200);
    return service;
  };
  const send = async (batches: ReturnType<typeof encodedBatch>['batch'][]) => {
    await producer.send({
      topic: topics.encoded.name,
      acks: -1,
      messages: batches.map((b) => ({ key: b.stream, value: Buffer.from(toBinary(EncodedBatchSchema, b)), headers: { traceparent: TRACEPARENT } })),
    });
  };
  const read = async <S extends typeof FrameSchema | typeof DeadLetterSchema>(topic: string, schema: S) => {
    const reader = await new TopicReader(kafka, topic, schema).start();
    readers.push(reader as TopicReader<typeof FrameSchema | typeof DeadLetterSchema>);
    return reader;
  };
  return { namespace, topics, start, send, read };
}

const seqsOf = (reader: TopicReader<typeof FrameSchema>, stream: string) =>
  reader.records.filter((r) => r.message.stream === stream).map((r) => Number(r.message.seq));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('compressor (real broker)', () => {
  it('frames every encoded batch once with a gap-free seq per stream; payloads decode to the same records', async () => {
    const { namespace, topics, start, send, read } = scenario();
    const inputs = [...range(12).map((w) => encodedBatch('sensors', w)), ...range(5).map((w) => encodedBatch('trades', w, 1, 3))];
    const service = await start();
    const frames = await read(topics.frames.name, FrameSchema);
    await send(inputs.map((i) => i.batch));
    // The same window batches again (an upstream retry): recognised by window id, framed nowhere.
    await send(inputs.slice(0, 4).map((i) => i.batch));
    await send([encodedBatch('sensors', 13).batch]);

    await eventually(() => frames.records.length >= 18, 30_000, () => `18 frames (have ${frames.records.length})`);
    expect(seqsOf(frames, 'sensors')).toEqual(range(13));
    expect(seqsOf(frames, 'trades')).toEqual(range(5));
    for (const { message: frame, headers, key } of frames.records) {
      expect(key).toBe(frame.stream);
      expect(headers?.['traceparent']?.toString()).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
      const input = [...inputs, { batch: encodedBatch('sensors', 13).batch, records: recordsFor('sensors', 13, 40) }].find((i) => i.batch.windowId === frame.windowId);
      expect(input).toBeDefined();
      expect(frameRecords(frame)).toEqual(input?.records);
      expect(frame.eventCount).toBe(input?.batch.eventCount);
      expect(frame.minObservedAtMs).toBe(input?.batch.minObservedAtMs);
    }
    // Consumer lag is sampled from the broker per partition and falls to 0 once everything is committed.
    const lagLine = new RegExp(`deltastream_consumer_lag\\{[^}]*group="${namespace}-compressor"[^}]*\\} (\\d+)`, 'g');
    await eventually(
      async () => {
        const lags = [...(await (await fetch(`${service.url}/metrics`)).text()).matchAll(lagLine)].map((m) => Number(m[1]));
        return lags.length === 6 && lags.every((lag) => lag === 0);
      },
      30_000,
      () => 'consumer lag of 0 on all six partitions',
    );
    // Tiny trade frames stay uncompressed; the larger sensor frames do not.
    expect(frames.records.filter((r) => r.message.stream === 'trades').every((r) => fromProtoCodec(r.message.codec) === 'none')).toBe(true);
  });

  it('dead-letters a poison record and an unusable window id, and frames the rest', async () => {
    const { topics, start, send, read } = scenario();
    await start();
    const frames = await read(topics.frames.name, FrameSchema);
    const letters = await read(topics.deadLetter.name, DeadLetterSchema);
    await producer.send({ topic: topics.encoded.name, messages: [{ key: 'sensors', value: Buffer.from([0xff, 0xff, 0x01, 0x02]) }] });
    const bad = encodedBatch('sensors', 1).batch;
    bad.windowId = 'not-a-window-id';
    await send([bad, encodedBatch('sensors', 2).batch]);

    await eventually(() => letters.records.length >= 2 && frames.records.length >= 1, 30_000, () => `2 dead letters + 1 frame (have ${letters.records.length} + ${frames.records.length})`);
    expect(letters.records.map((r) => (r.message as { errorKind: string }).errorKind).sort()).toEqual(['bad_window_id', 'decode_error']);
    expect(seqsOf(frames as TopicReader<typeof FrameSchema>, 'sensors')).toEqual([1]);
  });

  it('keeps whichever payload form compresses smaller: JSON for small frames of GitHub-like webhook payloads, delta for sensor-like ones', async () => {
    const { topics, start, send, read } = scenario();
    const features = range(10).map((w) => encodedBatch('quakes', w, 0, 5, (_stream, window, count) => webhookPayloads(count, window + 1)));
    const sensors = range(10).map((w) => encodedBatch('sensors', w, 1, 200));
    // zstd for both streams: auto would pick per stream, and which form wins depends on the codec.
    const suite = path.join(mkdtempSync(path.join(tmpdir(), 'ds-compress-')), 'deltastream.yaml');
    writeFileSync(suite, `version: 1\nsources: []\nstreams:\n  - { name: quakes, compression: { codec: zstd } }\n  - { name: sensors, compression: { codec: zstd } }\n`);
    const service = await start({ DELTASTREAM_CONFIG: suite });
    const frames = await read(topics.frames.name, FrameSchema);
    await send([...features, ...sensors].map((i) => i.batch));
    await eventually(() => frames.records.length >= 20, 30_000, () => `20 frames (have ${frames.records.length})`);
    for (const { message: frame } of frames.records) {
      const input = [...features, ...sensors].find((i) => i.batch.windowId === frame.windowId);
      expect(frameRecords(frame)).toEqual(input?.records);
      expect(frame.encoding).toBe(frame.stream === 'quakes' ? PayloadEncoding.JSON : PayloadEncoding.DELTA_V1);
    }
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const jsonFrames = metrics
      .split('\n')
      .filter((line) => line.startsWith('deltastream_compressor_frames_total{') && line.includes('form="json"') && line.includes('stream="quakes"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    expect(jsonFrames).toBe(10);
  });

  it('keeps seq continuous across a kill -9 and restart mid-stream: no gap, no reuse, every window framed once', async () => {
    const { topics, start, send, read } = scenario();
    const total = 240;
    const first = await start();
    const frames = await read(topics.frames.name, FrameSchema);
    let sent = 0;
    const sendChunk = async () => {
      const chunk = range(10).map((i) => encodedBatch('sensors', sent + i));
      sent += chunk.length;
      await send(chunk.map((c) => c.batch));
    };
    while (sent < total / 2) await sendChunk();
    // Kill while it is busy: at least some frames out, and more input waiting.
    await eventually(() => frames.records.length > 0, 30_000, () => 'first frames');
    first.child.kill('SIGKILL');
    await first.exited;
    while (sent < total) await sendChunk();
    await start();

    await eventually(() => frames.records.length >= total, 60_000, () => `${total} frames (have ${frames.records.length})`);
    expect(seqsOf(frames, 'sensors')).toEqual(range(total));
    const windowIds = frames.records.map((r) => r.message.windowId);
    expect(new Set(windowIds).size).toBe(total);
  });
});
