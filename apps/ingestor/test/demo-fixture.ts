import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChangeEventSchema } from '@deltastream/contracts';
import { eventually, startService, waitForStatus, type RunningService, type TopicReader } from '@deltastream/testing';

// The real demo upstream (apps/demo-source) as the ingestor's integration tests run it: both feeds, sped up,
// with the demo's own faults switched on (429s, 5xx, duplicates, broken records), and a suite polling both.

/** Starts the demo source with its faults on (seeded by `seed`), registered in `running` before it is ready. */
export async function startFaultyDemo(seed: string, running: RunningService[]): Promise<RunningService> {
  const demo = await startService('demo-source', {
    DEMO_SPEED: '20',
    DEMO_SENSORS: '20',
    DEMO_TRADES_PER_SEC: '10',
    DEMO_RETENTION_MS: '86400000',
    DEMO_SEED: seed,
    DEMO_FAULT_THROTTLE_EVERY: '7',
    DEMO_FAULT_RETRY_AFTER_S: '1',
    DEMO_FAULT_ERROR_RATE: '0.1',
    DEMO_FAULT_DUPLICATE_RATE: '0.05',
    DEMO_FAULT_BAD_RECORD_RATE: '0.01',
  });
  running.push(demo);
  await waitForStatus(demo, '/readyz', 200);
  return demo;
}

/**
 * Writes a suite file polling the demo at `demoUrl` (sensors by field cursor, trades by token cursor) into a
 * fresh temporary directory named after `tmpPrefix`; `tradesPartitionKey` sets the trades source's partitionKey.
 */
export function writeDemoSuite(demoUrl: string, options: { tmpPrefix: string; tradesPartitionKey?: string }): string {
  const suite = path.join(mkdtempSync(path.join(tmpdir(), options.tmpPrefix)), 'deltastream.yaml');
  writeFileSync(
    suite,
    `version: 1
sources:
  - id: demo-sensors
    stream: sensors
    url: ${demoUrl}/v1/sensors/changes
    recordsPath: records
    occurredAtField: timestamp
    cursor: { mode: field, field: timestamp, param: since, format: iso8601, overlap: 5000 }
    page: { param: limit, size: 500 }
    pollIntervalMs: 100
  - id: demo-trades
    stream: trades
    url: ${demoUrl}/v1/trades
    recordsPath: trades
    entityIdField: symbol
    versionField: id
    occurredAtField: ts
${options.tradesPartitionKey ? `    partitionKey: ${options.tradesPartitionKey}\n` : ''}    cursor: { mode: token, param: cursor, from: body, path: next_cursor }
    page: { param: limit, size: 500 }
    pollIntervalMs: 100
`,
  );
  return suite;
}

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

/** Every change the demo source holds up to `until` (ISO), read directly; only well-formed ones. */
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
      // Well-formed = what the source config can use: string id, numeric version, ISO timestamp.
      if (typeof record['id'] === 'string' && typeof record['version'] === 'number' && typeof timestamp === 'string') keys.add(`${record['id']}@${record['version']}`);
    }
    if (!body.has_more || body.records.length === 0) return keys;
    since = body.next_since;
  }
}

/**
 * Lets a few simulated minutes pass (300 trades), then checks `events` against the upstream's own data up to
 * that cut-off: every well-formed sensor change arrives, none twice, and no trade arrives twice.
 */
export async function expectEveryDemoChangeOnce(events: TopicReader<typeof ChangeEventSchema>, demoUrl: string): Promise<void> {
  await eventually(() => events.records.filter((r) => r.message.stream === 'trades').length >= 300, 60_000, () => 'trades flowing');
  const stats = await getJson<{ now: string }>(`${demoUrl}/admin/stats`);
  const expected = await upstreamSensorKeys(demoUrl, stats.now);
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
}
