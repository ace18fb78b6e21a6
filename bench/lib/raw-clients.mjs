// Single-hop ceilings for bench:throughput: change-event-sized records produced and consumed on one broker,
// with kafkajs (rawKafkajs) or @platformatic/kafka (rawPlatformatic) doing the identical workload: the same
// fresh 6-partition topic, records, keys (on the same partitions), headers, pages and request sizes; the
// timer starts once the consumer joined its group and the producer has its id, for both clients alike.
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
  await createRawTopic(brokers, topic);
  const recordBytes = values.reduce((s, v) => s + v.byteLength, 0) / values.length;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false, maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  // The group join stays out of the measurement (rawPlatformatic's consume() resolves after joining too).
  const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= RAW_RECORDS) resolveDone();
    },
  });
  // As the ingestor's producer: idempotent, acks=all, one request in flight, requests of at most 512 KiB.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect(); // includes InitProducerId for the idempotent producer
  await joined;
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

/** The fresh topic both clients use: 6 partitions, replication 1, created (with kafkajs' admin) before anything is timed. */
async function createRawTopic(brokers, topic) {
  await createTopicWithLeaders(brokers, topic, 6);
}

/**
 * Creates a topic and waits until every partition has a leader. Right after the broker starts, kafkajs'
 * own wait (`waitForLeaders`) can fail with UNKNOWN_TOPIC_OR_PARTITION, which it does not retry; the
 * metadata is then polled here (with cockatiel's backoff) for up to ~15 s.
 */
async function createTopicWithLeaders(brokers, topic, numPartitions) {
  const { ExponentialBackoff, handleAll, retry } = require('cockatiel');
  const kafka = new Kafka({ clientId: 'bench-raw-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: 1 }] }).catch(() => undefined);
    await retry(handleAll, { maxAttempts: 30, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) }).execute(async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length !== numPartitions || partitions.some((p) => p.leader < 0)) throw new Error(`topic ${topic} has no leader for every partition yet`);
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * rawKafkajs' workload with @platformatic/kafka: the producer idempotent with acks=all (the library then
 * keeps one request in flight), keys placed by the Java-compatible murmur2 partitioner (kafkajs' default;
 * the library's own default differs), the same headers, pages of 5000 in requests ≤ 512 KiB, uncompressed;
 * the consumer in a fresh group, read_committed, from the earliest offset, 100 ms fetch wait, 10 MiB per
 * fetch and 1 MiB per partition (kafkajs' defaults), committing automatically as kafkajs does.
 */
export async function rawPlatformatic({ brokers, topic, groupId, records: RAW_RECORDS, values, keyOf }) {
  const { Consumer, Producer, ProduceAcks, FetchIsolationLevels, MessagesStreamModes, MessagesStreamFallbackModes, compatibilityPartitioner, stringSerializer } = await import('@platformatic/kafka');
  await createRawTopic(brokers, topic);
  const recordBytes = values.reduce((s, v) => s + v.byteLength, 0) / values.length;
  const consumer = new Consumer({
    clientId: 'bench-raw',
    bootstrapBrokers: brokers,
    groupId,
    maxWaitTime: 100,
    minBytes: 1,
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 1024 * 1024,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    autocommit: true,
  });
  let consumed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  // consume() resolves once the consumer joined its group.
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST });
  stream.on('data', () => {
    consumed += 1;
    if (consumed >= RAW_RECORDS) resolveDone();
  });
  const producer = new Producer({
    clientId: 'bench-raw',
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    compression: 'none',
    partitioner: compatibilityPartitioner,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  await producer.initIdempotentProducer({}); // as kafkajs' connect() does for an idempotent producer
  const bar = progress('raw @platformatic/kafka', RAW_RECORDS);
  const started = performance.now();
  const PAGE = 5000;
  for (let sent = 0; sent < RAW_RECORDS; sent += PAGE) {
    const n = Math.min(PAGE, RAW_RECORDS - sent);
    const messages = Array.from({ length: n }, (_, i) => ({ topic, key: keyOf(sent + i), value: values[(sent + i) % values.length], headers: EVENT_HEADERS }));
    for (const chunk of chunkByBytes(messages, (m) => m.value.byteLength + m.key.length + 200)) await producer.send({ messages: chunk, acks: ProduceAcks.ALL });
    bar.tick(n);
  }
  const producedSeconds = (performance.now() - started) / 1000;
  await done;
  bar.end();
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  await stream.close();
  await consumer.close();
  return { client: '@platformatic/kafka', records: RAW_RECORDS, recordBytes: Math.round(recordBytes), produceEventsPerSec: Math.round(RAW_RECORDS / producedSeconds), eventsPerSec: Math.round(RAW_RECORDS / seconds), seconds: Math.round(seconds * 10) / 10 };
}

/**
 * Whether a read_committed consumer of each client skips aborted transactions: one transactional producer
 * (@platformatic/kafka) writes four transactions of three records to a one-partition topic — aborted,
 * committed, aborted, committed — then each client's consumer reads the topic from the beginning until the
 * last committed record arrived (or 10 s passed). Returns the committed values and what each client read.
 */
export async function readCommittedCheck({ brokers, topic }) {
  const { Consumer, Producer, FetchIsolationLevels, MessagesStreamModes, MessagesStreamFallbackModes, stringSerializers, stringDeserializers } = await import('@platformatic/kafka');
  const kafka = new Kafka({ clientId: 'bench-rc', brokers, logLevel: logLevel.ERROR });
  await createTopicWithLeaders(brokers, topic, 1);
  const producer = new Producer({ clientId: 'bench-rc', bootstrapBrokers: brokers, idempotent: true, transactionalId: `${topic}-tx`, serializers: stringSerializers });
  const committed = [];
  for (const [name, commit] of [['tx1', false], ['tx2', true], ['tx3', false], ['tx4', true]]) {
    const transaction = await producer.beginTransaction();
    const values = [0, 1, 2].map((i) => `${name}-${i}`);
    await transaction.send({ messages: values.map((value) => ({ topic, key: name, value })) });
    if (commit) {
      await transaction.commit();
      committed.push(...values);
    } else {
      await transaction.abort();
    }
  }
  await producer.close();
  const last = committed.at(-1);
  const until = (seen, resolve) => () => seen.includes(last) && resolve();
  const deadline = () => new Promise((resolve) => setTimeout(resolve, 10_000).unref());

  const platformatic = [];
  const consumer = new Consumer({ clientId: 'bench-rc', groupId: `${topic}-plt`, bootstrapBrokers: brokers, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 100, deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST });
  await Promise.race([new Promise((resolve) => stream.on('data', (message) => (platformatic.push(message.value), until(platformatic, resolve)()))), deadline()]);
  await stream.close();
  await consumer.close();

  const kafkajs = [];
  const kafkajsConsumer = kafka.consumer({ groupId: `${topic}-kafkajs`, readUncommitted: false, maxWaitTimeInMs: 100 });
  await kafkajsConsumer.connect();
  await kafkajsConsumer.subscribe({ topic, fromBeginning: true });
  await Promise.race([new Promise((resolve) => kafkajsConsumer.run({ eachMessage: async ({ message }) => (kafkajs.push(message.value.toString()), until(kafkajs, resolve)()) })), deadline()]);
  await kafkajsConsumer.disconnect();
  return { committed, read: { kafkajs, '@platformatic/kafka': platformatic } };
}
