import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { cleanUp, eventually, expectConfigRefused, expectServiceLifecycle, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';

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

async function getJson<T>(url: string): Promise<T> {
  // The demo's fault injection applies to us too: retry until a clean answer.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const response = await fetch(url);
    if (response.ok) {
      try {
        return (await response.json()) as T;
      } catch {
        // a deliberately truncated body; ask again
      }
    }
  }
  throw new Error(`${url} never answered cleanly`);
}

/** Every well-formed change the demo source holds up to `until` (ISO), read directly. */
async function upstreamSensorKeys(base: string, until: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let since: string | undefined;
  for (;;) {
    const body = await getJson<{ records: Record<string, unknown>[]; next_since: string; has_more: boolean }>(
      `${base}/v1/sensors/changes?limit=10000${since ? `&since=${encodeURIComponent(since)}` : ''}`,
    );
    for (const record of body.records) {
      const timestamp = record['timestamp'];
      if (typeof timestamp === 'string' && timestamp > until) return keys;
      if (typeof record['id'] === 'string' && typeof record['version'] === 'number' && typeof timestamp === 'string') keys.add(`${record['id']}@${record['version']}`);
    }
    if (!body.has_more || body.records.length === 0) return keys;
    since = body.next_since;
  }
}

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
    const demo = await startService('demo-source', {
      DEMO_SPEED: '20',
      DEMO_SENSORS: '20',
      DEMO_TRADES_PER_SEC: '10',
      DEMO_RETENTION_MS: '86400000',
      DEMO_SEED: namespace,
      DEMO_FAULT_THROTTLE_EVERY: '7',
      DEMO_FAULT_RETRY_AFTER_S: '1',
      DEMO_FAULT_ERROR_RATE: '0.1',
      DEMO_FAULT_DUPLICATE_RATE: '0.05',
      DEMO_FAULT_BAD_RECORD_RATE: '0.01',
    });
    running.push(demo);
    await waitForStatus(demo, '/readyz', 200);

    const suite = path.join(mkdtempSync(path.join(tmpdir(), 'ds-plt-')), 'deltastream.yaml');
    writeFileSync(
      suite,
      `version: 1
sources:
  - id: demo-sensors
    stream: sensors
    url: ${demo.url}/v1/sensors/changes
    recordsPath: records
    occurredAtField: timestamp
    cursor: { mode: field, field: timestamp, param: since, format: iso8601, overlap: 5000 }
    page: { param: limit, size: 500 }
    pollIntervalMs: 100
  - id: demo-trades
    stream: trades
    url: ${demo.url}/v1/trades
    recordsPath: trades
    entityIdField: symbol
    versionField: id
    occurredAtField: ts
    partitionKey: stream
    cursor: { mode: token, param: cursor, from: body, path: next_cursor }
    page: { param: limit, size: 500 }
    pollIntervalMs: 100
`,
    );
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

    await eventually(() => events.records.filter((r) => r.message.stream === 'trades').length >= 300, 60_000, () => 'trades flowing');
    const stats = await getJson<{ now: string }>(`${demo.url}/admin/stats`);
    const expected = await upstreamSensorKeys(demo.url, stats.now);
    expect(expected.size).toBeGreaterThan(500);

    const sensorKeys = () => events.records.filter((r) => r.message.stream === 'sensors').map((r) => `${r.message.entityId}@${r.message.version}`);
    const missing = () => {
      const seen = new Set(sensorKeys());
      return [...expected].filter((k) => !seen.has(k));
    };
    await eventually(() => missing().length === 0, 60_000, () => `all ${expected.size} upstream sensor changes (missing ${missing().slice(0, 10).join(', ')})`);
    const keys = sensorKeys();
    expect(keys.length).toBe(new Set(keys).size);
    const trades = events.records.filter((r) => r.message.stream === 'trades').map((r) => r.message.version);
    expect(trades.length).toBe(new Set(trades).size);

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
