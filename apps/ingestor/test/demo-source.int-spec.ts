import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { cleanUp, eventually, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';

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

interface Page<T> {
  readonly body: T;
}

async function getJson<T>(url: string): Promise<Page<T>> {
  // The demo's fault injection applies to us too: retry until a clean answer.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const response = await fetch(url);
    if (response.ok) {
      try {
        return { body: (await response.json()) as T };
      } catch {
        // a deliberately truncated body; ask again
      }
    }
  }
  throw new Error(`${url} never answered cleanly`);
}

/** Every change the demo source holds up to `until` (ISO), read directly; only well-formed ones. */
async function upstreamSensorKeys(base: string, until: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let since: string | undefined;
  for (;;) {
    const { body } = await getJson<{ records: Record<string, unknown>[]; next_since: string; has_more: boolean }>(
      `${base}/v1/sensors/changes?limit=10000${since ? `&since=${encodeURIComponent(since)}` : ''}`,
    );
    for (const record of body.records) {
      const timestamp = record['timestamp'];
      if (typeof timestamp === 'string' && timestamp > until) return keys;
      // Well-formed = what the source config can use: string id, numeric version, ISO timestamp.
      if (typeof record['id'] === 'string' && typeof record['version'] === 'number' && typeof timestamp === 'string') keys.add(`${record['id']}@${record['version']}`);
    }
    if (!body.has_more || body.records.length === 0) return keys;
    since = body.next_since;
  }
}

describe('ingestor polling the real demo source', () => {
  it('carries every well-formed sensor change and trade exactly once through throttling, errors and duplicates', async () => {
    const namespace = `it-demo-${randomUUID().slice(0, 8)}`;
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

    const dir = mkdtempSync(path.join(tmpdir(), 'ds-demo-'));
    const suite = path.join(dir, 'deltastream.yaml');
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
    cursor: { mode: token, param: cursor, from: body, path: next_cursor }
    page: { param: limit, size: 500 }
    pollIntervalMs: 100
`,
    );
    const ingestor = await startService('ingestor', { DELTASTREAM_CONFIG: suite, TOPIC_NAMESPACE: namespace, INGESTOR_LEASE_TTL_MS: '2000' });
    running.push(ingestor);
    await waitForStatus(ingestor, '/readyz', 200);
    const events = await new TopicReader(kafka, topics.events.name, ChangeEventSchema).start();
    const deadLetters = await new TopicReader(kafka, topics.deadLetter.name, DeadLetterSchema).start();
    readers.push(events, deadLetters as TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>);

    // Let a few simulated minutes pass, then compare everything up to a cut-off with the upstream's own data.
    await eventually(() => events.records.filter((r) => r.message.stream === 'trades').length >= 300, 60_000, () => 'trades flowing');
    const stats = (await getJson<{ now: string }>(`${demo.url}/admin/stats`)).body;
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
    // Broken records are dead-lettered with a reason, never passed on.
    expect(deadLetters.records.every((r) => r.message.service === 'ingestor' && r.message.reason.length > 0)).toBe(true);
    const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_ingest_events_produced_total/);
    expect(ingestor.child.exitCode).toBeNull();
  });
});
