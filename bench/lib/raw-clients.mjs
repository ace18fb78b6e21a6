// Single-hop ceilings for bench:throughput: change-event-sized records produced and consumed on one broker.
import { createRequire } from 'node:module';
import { progress, root } from './report.mjs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { create, toBinary } = require('@bufbuild/protobuf');
const { timestampFromMs } = require('@bufbuild/protobuf/wkt');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { chunkByBytes } = require(path.join(root, 'dist/libs/kafka/src/index.js'));

/** A ChangeEvent as the ingestor makes it from a demo sensor record (≈ the hot path's record size). */
export function sampleChangeEvent(contracts, i, sensors) {
  const record = { id: `sensor-${String(i % sensors).padStart(4, '0')}`, version: i, timestamp: new Date(Date.UTC(2026, 0, 1) + i).toISOString(), temperature: 21.37, humidity: 48.2, pressure: 1013.1, battery: 87, status: 'ok' };
  return Buffer.from(
    toBinary(
      contracts.ChangeEventSchema,
      create(contracts.ChangeEventSchema, { source: 'sensors', stream: 'sensors', entityId: record.id, version: String(i), cursor: record.timestamp, occurredAt: timestampFromMs(Date.now()), observedAt: timestampFromMs(Date.now()), record, ingestKind: contracts.IngestKind.POLL }),
    ),
  );
}

/** The headers every event record carries (trace context, correlation id, content type), sized as on the hot path. */
export const EVENT_HEADERS = {
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
  'x-correlation-id': '6f1c1a52-3f0e-4a55-9d7c-2b0b7e3b9a10',
  'content-type': 'application/x-protobuf; messageType=deltastream.v1.ChangeEvent',
};

/**
 * Produce→consume of `records` pre-encoded values on a fresh 6-partition topic: the producer configured as
 * the ingestor's (idempotent, acks=all, one request in flight, requests ≤ 512 KiB, pages of 5000), the
 * consumer read_committed as the windower's. Events/s from the first send to the last record consumed.
 */
export async function rawKafkajs({ brokers, topic, groupId, records: RAW_RECORDS, values, keyOf }) {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  await admin.disconnect();
  const recordBytes = values.reduce((s, v) => s + v.byteLength, 0) / values.length;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false, maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= RAW_RECORDS) resolveDone();
    },
  });
  // As the ingestor's producer: idempotent, acks=all, one request in flight, requests of at most 512 KiB.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const bar = progress('raw kafkajs records', RAW_RECORDS);
  const started = performance.now();
  const PAGE = 5000;
  for (let sent = 0; sent < RAW_RECORDS; sent += PAGE) {
    const n = Math.min(PAGE, RAW_RECORDS - sent);
    const messages = Array.from({ length: n }, (_, i) => ({ key: keyOf(sent + i), value: values[(sent + i) % values.length], headers: EVENT_HEADERS }));
    for (const chunk of chunkByBytes(messages, (m) => m.value.byteLength + m.key.length + 200)) await producer.send({ topic, acks: -1, messages: chunk });
    bar.tick(n);
  }
  const producedSeconds = (performance.now() - started) / 1000;
  await done;
  bar.end();
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  await consumer.disconnect();
  return { client: 'kafkajs', records: RAW_RECORDS, recordBytes: Math.round(recordBytes), produceEventsPerSec: Math.round(RAW_RECORDS / producedSeconds), eventsPerSec: Math.round(RAW_RECORDS / seconds), seconds: Math.round(seconds * 10) / 10 };
}

