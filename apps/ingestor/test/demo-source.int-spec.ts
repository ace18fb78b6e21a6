import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { cleanUp, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';
import { expectEveryDemoChangeOnce, startFaultyDemo, writeDemoSuite } from './demo-fixture';

// The ingestor against the real demo upstream (apps/demo-source) as `npm start` runs it: both feeds,
// both cursor modes, with the demo's own faults switched on (429s, 5xx, duplicates, broken records).

const logger = createLogger('ingestor-demo-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

let kafka: Kafka;
const running: RunningService[] = [];
const readers: TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>[] = [];

beforeAll(() => {
  kafka = createKafkaClient({ clientId: 'ingestor-demo-it', brokers, logger });
});

afterEach(async () => {
  await cleanUp(running, readers);
});

describe('ingestor polling the real demo source', () => {
  it('carries every well-formed sensor change and trade exactly once through throttling, errors and duplicates', async () => {
    const namespace = `it-demo-${randomUUID().slice(0, 8)}`;
    const topics = topicCatalog({ namespace });
    const demo = await startFaultyDemo(namespace, running);
    const suite = writeDemoSuite(demo.url, { tmpPrefix: 'ds-demo-' });
    const ingestor = await startService('ingestor', { DELTASTREAM_CONFIG: suite, TOPIC_NAMESPACE: namespace, INGESTOR_LEASE_TTL_MS: '2000' });
    running.push(ingestor);
    await waitForStatus(ingestor, '/readyz', 200);
    const events = await new TopicReader(kafka, topics.events.name, ChangeEventSchema).start();
    const deadLetters = await new TopicReader(kafka, topics.deadLetter.name, DeadLetterSchema).start();
    readers.push(events, deadLetters as TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>);

    await expectEveryDemoChangeOnce(events, demo.url);
    // Broken records are dead-lettered with a reason, never passed on.
    expect(deadLetters.records.every((r) => r.message.service === 'ingestor' && r.message.reason.length > 0)).toBe(true);
    const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_ingest_events_produced_total/);
    expect(ingestor.child.exitCode).toBeNull();
  });
});
