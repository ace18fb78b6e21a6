import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { cleanUp, expectConfigRefused, expectServiceLifecycle, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';
import { expectEveryDemoChangeOnce, startFaultyDemo, writeDemoSuite } from './demo-fixture';

// The ingestor with INGESTOR_KAFKA_CLIENT=platformatic (change events produced by @platformatic/kafka)
// against the real demo upstream with its faults on: the same guarantees as with kafkajs — every change
// exactly once, the same headers, and every key on the partition kafkajs would have chosen.

const logger = createLogger('ingestor-platformatic-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const PARTITIONS = 6;

let kafka: Kafka;
const running: RunningService[] = [];
const readers: TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>[] = [];

beforeAll(() => {
  kafka = createKafkaClient({ clientId: 'ingestor-platformatic-it', brokers, logger });
});

afterEach(async () => {
  await cleanUp(running, readers);
});

/** Where kafkajs' default partitioner (the ProtoProducer's) puts `key` on a topic of `PARTITIONS` partitions. */
const kafkajsPartition = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
  return (key: string) => partitioner({ topic: 'events', partitionMetadata, message: { key, value: null } });
})();

describe('ingestor producing with @platformatic/kafka', () => {
  it('carries every sensor change and trade of the demo source exactly once, with the same headers and partitions as kafkajs', async () => {
    const namespace = `it-plt-${randomUUID().slice(0, 8)}`;
    const topics = topicCatalog({ namespace });
    const demo = await startFaultyDemo(namespace, running);
    const suite = writeDemoSuite(demo.url, { tmpPrefix: 'ds-plt-', tradesPartitionKey: 'stream' });
    const ingestor = await startService('ingestor', {
      DELTASTREAM_CONFIG: suite,
      TOPIC_NAMESPACE: namespace,
      TOPIC_PARTITIONS: String(PARTITIONS),
      INGESTOR_LEASE_TTL_MS: '2000',
      INGESTOR_KAFKA_CLIENT: 'platformatic',
    });
    running.push(ingestor);
    await waitForStatus(ingestor, '/readyz', 200);
    expect(ingestor.output()).toContain('change events are produced with @platformatic/kafka');
    const events = await new TopicReader(kafka, topics.events.name, ChangeEventSchema).start();
    const deadLetters = await new TopicReader(kafka, topics.deadLetter.name, DeadLetterSchema).start();
    readers.push(events, deadLetters as TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>);

    await expectEveryDemoChangeOnce(events, demo.url);

    // The record layout of ProtoProducer: key by entity (sensors) or stream (trades), the kafkajs partition
    // of that key, and the trace / correlation / content-type headers.
    for (const record of events.records) {
      const expectedKey = record.message.stream === 'trades' ? 'trades' : record.message.entityId;
      expect(record.key).toBe(expectedKey);
      expect(record.partition).toBe(kafkajsPartition(expectedKey));
      expect(record.headers?.['traceparent']?.toString()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(record.headers?.['x-correlation-id']?.toString()).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.headers?.['content-type']?.toString()).toBe('application/x-protobuf; messageType=deltastream.v1.ChangeEvent');
    }
    // The sensors' 20 entity keys spread over more than one partition (so the partition check means something).
    expect(new Set(events.records.filter((r) => r.message.stream === 'sensors').map((r) => r.partition)).size).toBeGreaterThan(1);
    expect(deadLetters.records.every((r) => r.message.service === 'ingestor' && r.message.reason.length > 0)).toBe(true);
    const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_ingest_events_produced_total\{[^}]*source="demo-sensors"[^}]*\} [1-9]/);
    expect(ingestor.child.exitCode).toBeNull();
  });

  it('boots ready with the platformatic client and closes it cleanly on SIGTERM', async () => {
    await expectServiceLifecycle('ingestor', ['kafka', 'redis'], { INGESTOR_KAFKA_CLIENT: 'platformatic', TOPIC_NAMESPACE: `it-plt-${randomUUID().slice(0, 8)}` });
  });

  it('refuses an unknown client name with exit code 78', async () => {
    await expectConfigRefused('ingestor', { INGESTOR_KAFKA_CLIENT: 'librdkafka' }, ['INGESTOR_KAFKA_CLIENT']);
  });
});
