// `node bench/ingestor-clients-run.mjs` (Node 24): the ingestor alone (demo-source → ingestor → Kafka) with
// INGESTOR_KAFKA_CLIENT=kafkajs vs platformatic, alternately, each run with a fresh demo-source, ingestor and
// TOPIC_NAMESPACE. Per run two steps: a fixed offered rate (CPU per event at the same load) and an offered
// rate far above what one ingestor sustains (the most it produces). Produced events/s come from the
// ingestor's own /metrics (deltastream_ingest_events_produced_total), CPU from /proc.
//
// The suite is bench:throughput's (2000 sensors × 5 Hz per unit of speed, pages of 10 000, keyed by stream).
// Env: BENCH_INGEST_RUNS (3 per client), BENCH_INGEST_FIXED (10000 ev/s), BENCH_INGEST_SATURATE (60000
// ev/s), BENCH_INGEST_STEP_S (20), BENCH_INGEST_KEY (stream | entity), BENCH_INGEST_CLIENTS (kafkajs,platformatic),
// BENCH_INGEST_UPSTREAM_LATENCY_MS (0: the demo upstream answers each page after this long, like a remote API).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAndLoad, machine, markdownTable, writeResults } from './lib/report.mjs';
import { cpuSeconds, deleteNamespaceTopics, demoSensorsSuite, freePorts, pipeline, ready } from './lib/pipeline.mjs';

const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 3);
const FIXED = Number(process.env.BENCH_INGEST_FIXED ?? 10_000);
const SATURATE = Number(process.env.BENCH_INGEST_SATURATE ?? 60_000);
const STEP_S = Number(process.env.BENCH_INGEST_STEP_S ?? 20);
const KEY = process.env.BENCH_INGEST_KEY ?? 'stream';
const CLIENTS = (process.env.BENCH_INGEST_CLIENTS ?? 'kafkajs,platformatic').split(',');
const UPSTREAM_LATENCY_MS = Number(process.env.BENCH_INGEST_UPSTREAM_LATENCY_MS ?? 0);
const SENSORS = 2000;
const HZ = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function produced(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('deltastream_ingest_events_produced_total')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function measure(client) {
  const namespace = `bench-ingest-${randomUUID().slice(0, 6)}`;
  const ports = await freePorts('demo', 'ingestor');
  const suite = path.join(mkdtempSync(path.join(tmpdir(), 'ds-bench-ingest-')), 'deltastream.yaml');
  writeFileSync(suite, demoSensorsSuite({ demoPort: ports.demo, partitionKey: KEY }));
  const { start, stopAndWait } = pipeline(namespace);
  const demo = start('demo-source', { HTTP_PORT: String(ports.demo), DEMO_SPEED: '0.001', DEMO_START: new Date().toISOString(), DEMO_SENSORS: String(SENSORS), DEMO_SENSOR_HZ: String(HZ), DEMO_TRADES_PER_SEC: '0', DEMO_RETENTION_MS: '120000', DEMO_MAX_RECORDS: '20000000' });
  await ready(ports.demo);
  if (UPSTREAM_LATENCY_MS > 0) await fetch(`http://127.0.0.1:${ports.demo}/admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: UPSTREAM_LATENCY_MS }) });
  const ingestor = start('ingestor', { DELTASTREAM_CONFIG: suite, HTTP_PORT: String(ports.ingestor), INGESTOR_KAFKA_CLIENT: client });
  await ready(ports.ingestor);
  const speed = (rate) => fetch(`http://127.0.0.1:${ports.demo}/admin/speed`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ speed: rate / (SENSORS * HZ) }) });
  const steps = {};
  try {
    for (const [name, rate] of [['fixed', FIXED], ['saturated', SATURATE]]) {
      await speed(rate);
      await sleep(5_000); // settle at the new rate
      const before = { at: performance.now(), events: await produced(ports.ingestor), ingestor: cpuSeconds(ingestor.pid), demo: cpuSeconds(demo.pid) };
      await sleep(STEP_S * 1000);
      const after = { at: performance.now(), events: await produced(ports.ingestor), ingestor: cpuSeconds(ingestor.pid), demo: cpuSeconds(demo.pid) };
      const seconds = (after.at - before.at) / 1000;
      const events = after.events - before.events;
      const cpu = after.ingestor - before.ingestor;
      steps[name] = {
        offeredEventsPerSec: rate,
        producedEventsPerSec: Math.round(events / seconds),
        ingestorCpuPercent: Math.round((cpu / seconds) * 1000) / 10,
        ingestorCpuMsPer10kEvents: events > 0 ? Math.round((cpu / events) * 1e7) : null,
        demoCpuPercent: Math.round(((after.demo - before.demo) / seconds) * 1000) / 10,
      };
    }
  } finally {
    await stopAndWait();
    await deleteNamespaceTopics(namespace);
  }
  return { client, namespace, ...steps };
}

buildAndLoad('contracts');
const order = Array.from({ length: RUNS }, (_, i) => (i % 2 === 0 ? CLIENTS : [...CLIENTS].reverse())).flat();
console.log(`ingestor clients: ${RUNS} runs per client, fixed ${FIXED} ev/s and saturated at ${SATURATE} ev/s offered, ${STEP_S} s each, keyed by ${KEY}, upstream latency ${UPSTREAM_LATENCY_MS} ms; order ${order.join(' ')}`);
const runs = [];
for (const [i, client] of order.entries()) {
  const result = await measure(client);
  runs.push({ run: i + 1, ...result });
  console.log(`  run ${i + 1} ${client}: fixed ${JSON.stringify(result.fixed)}; saturated ${JSON.stringify(result.saturated)}`);
}
const summary = CLIENTS.map((client) => {
  const mine = runs.filter((r) => r.client === client);
  const pick = (step, field) => median(mine.map((r) => r[step][field]));
  return {
    client,
    fixedProducedEventsPerSec: pick('fixed', 'producedEventsPerSec'),
    fixedCpuPercent: pick('fixed', 'ingestorCpuPercent'),
    fixedCpuMsPer10k: pick('fixed', 'ingestorCpuMsPer10kEvents'),
    saturatedProducedEventsPerSec: pick('saturated', 'producedEventsPerSec'),
    saturatedCpuPercent: pick('saturated', 'ingestorCpuPercent'),
    saturatedCpuMsPer10k: pick('saturated', 'ingestorCpuMsPer10kEvents'),
  };
});
console.log(
  `\n${markdownTable(
    ['run', 'client', `fixed ${FIXED}: produced ev/s`, 'CPU %', 'CPU ms / 10k ev', `saturated ${SATURATE}: produced ev/s`, 'CPU %', 'CPU ms / 10k ev'],
    runs.map((r) => [r.run, r.client, r.fixed.producedEventsPerSec, r.fixed.ingestorCpuPercent, r.fixed.ingestorCpuMsPer10kEvents, r.saturated.producedEventsPerSec, r.saturated.ingestorCpuPercent, r.saturated.ingestorCpuMsPer10kEvents]),
  )}\n\nMedians:\n\n${markdownTable(
    ['client', `fixed ${FIXED}: produced ev/s`, 'CPU %', 'CPU ms / 10k ev', `saturated ${SATURATE}: produced ev/s`, 'CPU %', 'CPU ms / 10k ev'],
    summary.map((s) => [s.client, s.fixedProducedEventsPerSec, s.fixedCpuPercent, s.fixedCpuMsPer10k, s.saturatedProducedEventsPerSec, s.saturatedCpuPercent, s.saturatedCpuMsPer10k]),
  )}`,
);
const name = `ingestor-clients-${KEY}${UPSTREAM_LATENCY_MS > 0 ? `-latency-${UPSTREAM_LATENCY_MS}ms` : ''}`;
const file = writeResults(name, { runsPerClient: RUNS, fixed: FIXED, saturate: SATURATE, stepSeconds: STEP_S, key: KEY, upstreamLatencyMs: UPSTREAM_LATENCY_MS, order, runs, summary, machine: machine() });
console.log(`\ningestor clients: ${file}`);
process.exit(0);
