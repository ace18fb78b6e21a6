// `node bench/raw-clients-run.mjs` (Node 24: `npx node …` or from an npm script): the single-hop ceiling of
// kafkajs vs @platformatic/kafka (bench/lib/raw-clients.mjs) on the broker at KAFKA_BROKERS, run alternately
// (kafkajs first, then platformatic first, …), each run in a fresh Node process so neither inherits the
// other's JIT, heap or sockets. Per run: produce and produce→consume events/s, and the CPU seconds the bench
// process (producer + consumer) and the broker used while timed. Prints a table with medians and writes
// bench/results/raw-clients.json.
//
// Env: BENCH_RAW_RECORDS (400000, as bench:throughput), BENCH_RAW_RUNS (3 per client), KAFKA_BROKERS.
//
// `node bench/raw-clients-run.mjs --read-committed-check`: whether each client's read_committed consumer
// skips aborted transactions (one transactional producer: aborted, committed, aborted, committed; only the
// committed records may be read). Exits 1 when a client delivers an aborted record.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAndLoad, machine, markdownTable, root, writeResults } from './lib/report.mjs';
import { cpuSeconds } from './lib/pipeline.mjs';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const RECORDS = Number(process.env.BENCH_RAW_RECORDS ?? 400_000);
const RUNS = Number(process.env.BENCH_RAW_RUNS ?? 3);
const SENSORS = 2000;
const self = fileURLToPath(import.meta.url);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function brokerPid() {
  const file = path.join(root, '.stack/kafka/kafka.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

const [mode, client] = process.argv.slice(2);
if (mode === '--one') {
  // One measurement in this (fresh) process; the result as the last line of stdout.
  const { createRequire } = await import('node:module');
  const contracts = createRequire(import.meta.url)(path.join(root, 'dist/libs/contracts/src/index.js'));
  const { rawKafkajs, rawPlatformatic, sampleChangeEvent } = await import('./lib/raw-clients.mjs');
  const values = Array.from({ length: 1000 }, (_, i) => sampleChangeEvent(contracts, i, SENSORS));
  const namespace = `bench-raw-${client}-${randomUUID().slice(0, 6)}`;
  const broker = brokerPid();
  const cpu = () => ({ self: process.cpuUsage(), broker: broker ? cpuSeconds(broker) : undefined });
  const before = cpu();
  const run = client === 'kafkajs' ? rawKafkajs : rawPlatformatic;
  const result = await run({ brokers: BROKERS, topic: `${namespace}.raw`, groupId: `${namespace}-raw`, records: RECORDS, values, keyOf: (i) => `sensor-${i % SENSORS}` });
  const after = cpu();
  const used = process.cpuUsage(before.self);
  // Set-up (topic, group join, producer id) and close are included in the CPU figures, alike for both.
  result.benchCpuSeconds = Math.round(((used.user + used.system) / 1e6) * 100) / 100;
  result.brokerCpuSeconds = before.broker === undefined || after.broker === undefined ? null : Math.round((after.broker - before.broker) * 100) / 100;
  const { deleteNamespaceTopics } = await import('./lib/pipeline.mjs');
  await deleteNamespaceTopics(namespace, BROKERS);
  console.log(JSON.stringify(result));
  process.exit(0);
}

if (mode === '--read-committed-check') {
  const { readCommittedCheck } = await import('./lib/raw-clients.mjs');
  const result = await readCommittedCheck({ brokers: BROKERS, topic: `bench-rc-${randomUUID().slice(0, 6)}` });
  for (const [name, seen] of Object.entries(result.read)) {
    const aborted = seen.filter((value) => !result.committed.includes(value));
    console.log(`${name}: read ${seen.length} records, ${aborted.length === 0 ? 'no aborted ones' : `ABORTED ONES: ${aborted.join(', ')}`}${seen.length < result.committed.length ? ` (missing ${result.committed.filter((v) => !seen.includes(v)).join(', ')})` : ''}`);
  }
  process.exit(Object.values(result.read).every((seen) => seen.length === result.committed.length && seen.every((v) => result.committed.includes(v))) ? 0 : 1);
}

buildAndLoad('contracts');
const order = Array.from({ length: RUNS }, (_, i) => (i % 2 === 0 ? ['kafkajs', 'platformatic'] : ['platformatic', 'kafkajs'])).flat();
console.log(`raw clients: ${RECORDS} records per run, ${RUNS} runs per client against ${BROKERS.join(',')}, order ${order.join(' ')}`);
const runs = [];
for (const [i, name] of order.entries()) {
  const child = spawnSync(process.execPath, ['--disable-warning=TimeoutNegativeWarning', self, '--one', name], { cwd: root, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`run ${i + 1} (${name}) failed with ${child.status}:\n${child.stdout}`);
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
  runs.push({ run: i + 1, ...result });
  console.log(`  run ${i + 1} ${result.client}: produce ${result.produceEventsPerSec} ev/s, produce→consume ${result.eventsPerSec} ev/s, ${result.seconds} s; CPU bench ${result.benchCpuSeconds} s, broker ${result.brokerCpuSeconds} s`);
}

const clients = ['kafkajs', '@platformatic/kafka'];
const summary = clients.map((name) => {
  const mine = runs.filter((r) => r.client === name);
  return {
    client: name,
    runs: mine.length,
    produceEventsPerSec: median(mine.map((r) => r.produceEventsPerSec)),
    eventsPerSec: median(mine.map((r) => r.eventsPerSec)),
    benchCpuSeconds: median(mine.map((r) => r.benchCpuSeconds)),
    brokerCpuSeconds: mine.every((r) => r.brokerCpuSeconds !== null) ? median(mine.map((r) => r.brokerCpuSeconds)) : null,
    recordBytes: mine[0]?.recordBytes,
  };
});
console.log(
  `\n${markdownTable(
    ['run', 'client', 'produce ev/s', 'produce→consume ev/s', 'seconds', 'CPU bench s', 'CPU broker s'],
    runs.map((r) => [r.run, r.client, r.produceEventsPerSec, r.eventsPerSec, r.seconds, r.benchCpuSeconds, r.brokerCpuSeconds ?? '–']),
  )}\n\nMedians (${RECORDS} records of ${summary[0]?.recordBytes} B):\n\n${markdownTable(
    ['client', 'produce ev/s', 'produce→consume ev/s', 'CPU bench s', 'CPU broker s'],
    summary.map((s) => [s.client, s.produceEventsPerSec, s.eventsPerSec, s.benchCpuSeconds, s.brokerCpuSeconds ?? '–']),
  )}`,
);
const file = writeResults('raw-clients', { records: RECORDS, runsPerClient: RUNS, order, runs, summary, machine: machine() });
console.log(`\nraw clients: ${file}`);
