// The demo workloads as the pipeline sees them: records from the real generators (libs/demo-data,
// deterministic seed), cut into per-stream windows like the windower does.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Partitioners } = require('kafkajs');

export const START_MS = Date.UTC(2026, 0, 1);

/** Every sensor change and trade of `minutes` simulated minutes: 50 sensors × 1 Hz, trades at 20/s. */
export function demoRecords(demoData, minutes = 10) {
  const clock = demoData.manualClock(START_MS);
  const world = new demoData.DemoWorld({
    seed: 'deltastream',
    startMs: START_MS,
    sensors: { count: 50, hz: 1 },
    trades: { symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD'], perSecond: 20 },
    retention: { ms: 24 * 3600_000, maxRecords: 10_000_000 },
    clock,
  });
  clock.set(START_MS + minutes * 60_000);
  const sensors = [];
  for (let since; ; ) {
    const page = world.sensors.changes({ sinceMs: since, limit: 10_000 });
    sensors.push(...page.records);
    if (!page.has_more || page.records.length === 0) break;
    since = Date.parse(page.next_since);
  }
  const trades = [];
  for (let position; ; ) {
    const page = world.trades.page({ position, limit: 10_000 });
    if (page.trades.length === 0) break;
    trades.push(...page.trades);
    position = trades.length;
  }
  return {
    sensors: { name: 'sensors', entityKey: 'id', time: (r) => Date.parse(r.timestamp), records: sensors },
    trades: { name: 'trades', entityKey: 'symbol', time: (r) => Date.parse(r.ts), records: trades },
  };
}

/**
 * Tumbling windows of `windowMs` by event time. With `partitions`, records are first spread over the
 * events topic's partitions by entity id with kafkajs' default partitioner — as the pipeline does — and
 * each partition has its own windows.
 */
export function windows(feed, windowMs, partitions = 1) {
  const partitioner = Partitioners.DefaultPartitioner();
  const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  const byKey = new Map();
  for (const record of feed.records) {
    const partition = partitions === 1 ? 0 : partitioner({ topic: 'events', partitionMetadata: metadata, message: { key: String(record[feed.entityKey]) } });
    const key = `${Math.floor(feed.time(record) / windowMs)}/${partition}`;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(record);
  }
  return [...byKey.values()];
}
