import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type Redis from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, EncodedBatchSchema, type EncodedBatch, PayloadEncoding, topicCatalog, WindowBatchSchema, type WindowBatch } from '@deltastream/contracts';
import { decodeRecords } from '@deltastream/delta-codec';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { createRedisClient } from '@deltastream/redis';
import { cleanUp, eventually, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';

const logger = createLogger('enricher-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const T0 = Date.UTC(2026, 0, 1);
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

let kafka: Kafka;
let producer: Producer;
let redis: Redis;
const running: RunningService[] = [];
const readers: TopicReader<typeof EncodedBatchSchema | typeof DeadLetterSchema>[] = [];

beforeAll(async () => {
  kafka = createKafkaClient({ clientId: 'enricher-it', brokers, logger });
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  redis = createRedisClient(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', logger);
  await redis.connect();
});

afterEach(async () => {
  await cleanUp(running, readers);
});

afterAll(async () => {
  await producer.disconnect();
  redis.disconnect();
});

/** A window of `count` sensor records; every 10th entity is a "test" device the filter drops. */
function window(stream: string, n: number, count = 10, extra: Record<string, unknown>[] = [], base = 20): WindowBatch {
  const start = T0 + n * 1000;
  const records = [...Array.from({ length: count }, (_, i) => ({ id: `s${i}`, temperature: String(base + i / 10), status: i === 9 ? 'test' : 'ok' })), ...extra];
  return create(WindowBatchSchema, {
    windowId: `${stream}/${start}/0/0`,
    stream,
    windowStartMs: BigInt(start),
    windowEndMs: BigInt(start + 1000),
    partition: 0,
    part: 0,
    events: records.map((record, i) =>
      create(ChangeEventSchema, { stream, entityId: String(record.id), version: String(n * 100 + i), occurredAt: timestampFromMs(start + i), observedAt: timestampFromMs(start + i + 5), record: record as never }),
    ),
  });
}

/** What the suite file below turns a window's records into. */
function expected(batch: WindowBatch, refs: Record<string, Record<string, string>>): Record<string, unknown>[] {
  return batch.events
    .map((e) => e.record as Record<string, unknown>)
    .filter((r) => r['status'] !== 'test' && typeof r['id'] === 'string' && !Number.isNaN(Number(r['temperature'])))
    .map((r) => {
      const ref = refs[String(r['id'])];
      return { ...r, temperature: Number(r['temperature']), ...(ref ? { ref_site: ref['site'] } : {}) };
    });
}

const defaultTransforms = (hash: string) => `
      - { type: coerce, fields: { temperature: number } }
      - { type: join, hash: "${hash}", prefix: ref_, fields: [site] }
      - { type: filter, name: test-devices, drop: { field: status, op: eq, value: test } }`;

function scenario(transforms: (hash: string, namespace: string) => string = defaultTransforms) {
  const namespace = `it-enrich-${randomUUID().slice(0, 8)}`;
  const hash = `ref:${namespace}:sensors`;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-enrich-')), 'deltastream.yaml');
  writeFileSync(
    file,
    `version: 1
sources: []
streams:
  - name: sensors
    transforms:${transforms(hash, namespace)}
`,
  );
  const topics = topicCatalog({ namespace });
  const start = async () => {
    const service = await startService('enricher', { TOPIC_NAMESPACE: namespace, DELTASTREAM_CONFIG: file, ENRICHER_REFERENCE_TTL_MS: '0' });
    running.push(service);
    await waitForStatus(service, '/readyz', 200);
    return service;
  };
  const send = async (batches: WindowBatch[], value?: (b: WindowBatch) => Buffer) => {
    await producer.send({
      topic: topics.windows.name,
      acks: -1,
      messages: batches.map((b) => ({ key: b.stream, value: value ? value(b) : Buffer.from(toBinary(WindowBatchSchema, b)), headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } })),
    });
  };
  const read = async <S extends typeof EncodedBatchSchema | typeof DeadLetterSchema>(topic: string, schema: S) => {
    const reader = await new TopicReader(kafka, topic, schema).start();
    readers.push(reader as TopicReader<typeof EncodedBatchSchema | typeof DeadLetterSchema>);
    return reader;
  };
  return { namespace, hash, topics, start, send, read };
}

describe('enricher (real broker and Redis)', () => {
  it('transforms and delta-encodes each window, joins reference rows from Redis, carries the trace, and dead-letters poison and failing records', async () => {
    const { hash, topics, start, send, read } = scenario();
    // s0, s4…s9 have no row (a miss passes the record through); s3's row is not JSON (counted, joined as missing).
    const refs = { s1: { site: 'lab' }, s2: { site: 'roof' } };
    await redis.hset(hash, 's1', JSON.stringify(refs.s1), 's2', JSON.stringify(refs.s2), 's3', 'not json');
    await start();
    const encoded = await read(topics.encoded.name, EncodedBatchSchema);
    const letters = await read(topics.deadLetter.name, DeadLetterSchema);

    const first = window('sensors', 1, 10, [{ id: 'bad', temperature: 'very hot', status: 'ok' }]);
    const second = window('sensors', 2);
    await send([first]);
    await producer.send({ topic: topics.windows.name, messages: [{ key: 'sensors', value: Buffer.from('definitely not protobuf \u0000\u0001') }] });
    await send([second]);

    await eventually(() => encoded.records.length >= 2 && letters.records.length >= 2, 30_000, () => `2 encoded + 2 dead letters (have ${encoded.records.length} + ${letters.records.length})`);
    const [a, b] = encoded.records.map((r) => r.message as EncodedBatch);
    expect(a?.windowId).toBe(first.windowId);
    expect(b?.windowId).toBe(second.windowId);
    expect(decodeRecords(a?.payload ?? new Uint8Array())).toEqual(expected(first, refs));
    expect(decodeRecords(b?.payload ?? new Uint8Array())).toEqual(expected(second, refs));
    expect(a?.eventCount).toBe(9);
    expect(a?.encoding).toBe(PayloadEncoding.DELTA_V1);
    for (const record of encoded.records) {
      expect(record.key).toBe('sensors');
      expect(record.headers?.['traceparent']?.toString()).toContain(TRACE_ID);
    }
    const kinds = letters.records.map((r) => (r.message as { errorKind: string }).errorKind).sort();
    expect(kinds).toEqual(['decode_error', 'transform_error']);
    const failed = letters.records.find((r) => (r.message as { errorKind: string }).errorKind === 'transform_error')?.message as { reason: string; original: Uint8Array; service: string };
    expect(failed.service).toBe('enricher');
    expect(failed.reason).toMatch(/entity bad.*temperature/);
    await redis.del(hash);
  });

  it('neither loses nor duplicates encoded batches across a kill -9 mid-stream', async () => {
    const { topics, start, send, read } = scenario();
    const total = 120;
    const first = await start();
    const encoded = await read(topics.encoded.name, EncodedBatchSchema);
    let sent = 0;
    while (sent < total / 2) {
      await send(Array.from({ length: 10 }, (_, i) => window('sensors', sent + i)));
      sent += 10;
    }
    await eventually(() => encoded.records.length > 0, 30_000, () => 'first encoded batches');
    first.child.kill('SIGKILL');
    await first.exited;
    while (sent < total) {
      await send(Array.from({ length: 10 }, (_, i) => window('sensors', sent + i)));
      sent += 10;
    }
    await start();
    await eventually(() => encoded.records.length >= total, 60_000, () => `${total} encoded batches (have ${encoded.records.length})`);
    const ids = encoded.records.map((r) => (r.message as { windowId: string }).windowId);
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);
  });

  it('joins per-entity Redis hashes (HGETALL by key pattern; a missing key passes through) and keeps derive state across a kill -9', async () => {
    const { topics, start, send, read, namespace } = scenario(
      (_, ns) => `
      - { type: coerce, fields: { temperature: number } }
      - { type: join, hash: "ref:${ns}:sensor:{id}", prefix: meta_ }
      - { type: derive, field: temperature, difference: temperature_delta, decimals: 3 }`,
    );
    await redis.hset(`ref:${namespace}:sensor:s1`, 'model', 'x1', 'site', 'lab');
    await redis.hset(`ref:${namespace}:sensor:s2`, 'model', 'x2');
    const first = await start();
    const encoded = await read(topics.encoded.name, EncodedBatchSchema);
    const w1 = window('sensors', 1);
    await send([w1]);
    await eventually(() => encoded.records.length >= 1, 30_000, () => 'the first encoded batch');
    first.child.kill('SIGKILL');
    await first.exited;

    await start();
    const w2 = window('sensors', 2, 10, [], 21.5);
    await send([w2]);
    await eventually(() => encoded.records.length >= 2, 60_000, () => `2 encoded batches (have ${encoded.records.length})`);
    const meta: Record<string, Record<string, string>> = { s1: { meta_model: 'x1', meta_site: 'lab' }, s2: { meta_model: 'x2' } };
    const [a, b] = encoded.records.map((r) => decodeRecords((r.message as EncodedBatch).payload));
    const joined = (batch: WindowBatch, delta?: number) =>
      batch.events.map((e) => {
        const r = e.record as Record<string, unknown>;
        return { ...r, temperature: Number(r['temperature']), ...meta[String(r['id'])], ...(delta === undefined ? {} : { temperature_delta: delta }) };
      });
    // The first window has no previous values; the second, processed after a kill -9 and a restart, does:
    // the state came back with the committed offset.
    expect(a).toEqual(joined(w1));
    expect(b).toEqual(joined(w2, 1.5));
    expect(encoded.records.map((r) => (r.message as EncodedBatch).windowId)).toEqual([w1.windowId, w2.windowId]);
    await redis.del(`ref:${namespace}:sensor:s1`, `ref:${namespace}:sensor:s2`);
  });
});
