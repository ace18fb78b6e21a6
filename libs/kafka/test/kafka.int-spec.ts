import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog, type TopicSpec } from '@deltastream/contracts';
import { createLogger, traceIdOf } from '@deltastream/observability';
import { createKafkaClient, decodeRecord, ensureTopics, KafkaDeadLetterSink, ProtoProducer } from '../src';

const logger = createLogger('kafka-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

function testTopic(name: string): TopicSpec {
  return { ...topicCatalog().events, name: `it.${name}.${randomUUID()}`, partitions: 2 };
}

async function consumeOne(kafka: Kafka, topic: string): Promise<KafkaMessage> {
  const consumer: Consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise<KafkaMessage>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message) });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('Kafka adapter against the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: ProtoProducer;

  beforeAll(async () => {
    kafka = createKafkaClient({ clientId: 'kafka-it', brokers, logger });
    admin = kafka.admin();
    await admin.connect();
    producer = new ProtoProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('creates declared topics once and tolerates being run again', async () => {
    const specs: [TopicSpec, TopicSpec] = [testTopic('a'), { ...testTopic('b'), retentionMs: 3_600_000 }];
    const first = await ensureTopics(admin, specs, logger);
    const second = await ensureTopics(admin, specs, logger);
    expect(first.created.sort()).toEqual(specs.map((s) => s.name).sort());
    expect(second).toEqual({ created: [], existing: specs.map((s) => s.name) });
    const [, short] = specs;
    const metadata = await admin.fetchTopicMetadata({ topics: [short.name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: short.name, configNames: ['retention.ms'] }] });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('3600000');
  });

  it('produces a Protobuf ChangeEvent with trace headers and consumes it back intact', async () => {
    const spec = testTopic('events');
    await ensureTopics(admin, [spec], logger);
    const traceId = randomUUID().replaceAll('-', '');
    const traceContext = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    const event = create(ChangeEventSchema, {
      source: 'demo-sensors',
      stream: 'sensors',
      entityId: 'sensor-7',
      version: '42',
      observedAt: timestampFromMs(1_700_000_000_000),
      record: { id: 'sensor-7', temperature: 21.5, status: 'ok', tags: ['a', 'b'] },
    });
    await producer.send(spec.name, ChangeEventSchema, [{ key: 'sensor-7', message: event, traceContext, correlationId: 'corr-1' }]);

    const message = await consumeOne(kafka, spec.name);
    expect(message.key?.toString()).toBe('sensor-7');
    expect(traceIdOf(message.headers)).toBe(traceId);
    expect(message.headers?.['x-correlation-id']?.toString()).toBe('corr-1');
    expect(message.headers?.['content-type']?.toString()).toBe('application/x-protobuf; messageType=deltastream.v1.ChangeEvent');
    const decoded = decodeRecord(ChangeEventSchema, message.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.message.entityId).toBe('sensor-7');
    expect(decoded.message.record).toEqual({ id: 'sensor-7', temperature: 21.5, status: 'ok', tags: ['a', 'b'] });
  });

  it('dead-letters input with the original bytes and the reason', async () => {
    const spec = { ...testTopic('dlq'), valueType: DeadLetterSchema.typeName };
    await ensureTopics(admin, [spec], logger);
    const kinds: string[] = [];
    const sink = new KafkaDeadLetterSink(producer, spec, 'kafka-it', (kind) => kinds.push(kind));
    const original = Buffer.from('{"not":"protobuf"');
    await sink.deadLetter([{ original, topic: 'deltastream.events.v1', partition: 1, offset: '17', key: 'k', reason: 'truncated JSON', errorKind: 'malformed_json', source: 'demo' }]);

    const message = await consumeOne(kafka, spec.name);
    const decoded = decodeRecord(DeadLetterSchema, message.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(Buffer.from(decoded.message.original)).toEqual(original);
    expect(decoded.message).toMatchObject({ topic: 'deltastream.events.v1', partition: 1, offset: 17n, reason: 'truncated JSON', errorKind: 'malformed_json', service: 'kafka-it', source: 'demo' });
    expect(kinds).toEqual(['malformed_json']);
  });
});
