#!/usr/bin/env node
// `npm start`: the whole pipeline on this machine — local Kafka + Redis (reused when already answering),
// a fresh build, the demo upstream source and the five services as child processes with their logs in
// .stack/logs. Prints where to look; Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { root, stackDir } from './stack/paths.mjs';
import { stackDown, stackUp } from './stack/stack.mjs';
import { StackError, waitFor } from './stack/process.mjs';

/** Start order follows the data path, so each service finds its upstream ready. */
const services = [
  { name: 'demo-source', port: 8090, role: 'demo upstream API' },
  { name: 'ingestor', port: 8081, role: 'incremental fetch → deltastream.events.v1' },
  { name: 'windower', port: 8082, role: 'micro-windows → deltastream.windows.v1' },
  { name: 'enricher', port: 8083, role: 'transforms + delta encoding → deltastream.encoded.v1' },
  { name: 'compressor', port: 8084, role: 'codec per frame → deltastream.frames.v1' },
  { name: 'delivery-edge', port: 8080, role: 'WebSocket / SSE (8080), gRPC (50051)' },
];

const logsDir = path.join(stackDir, 'logs');
const children = new Map();
let stack;
let stopping = false;

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping services…');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  if (stack?.kafka.started || stack?.redis.started) {
    console.log('stopping the local stack…');
    await stackDown();
  }
  console.log('all stopped');
  process.exit(exitCode);
}

function tail(file, lines = 20) {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no output)';
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  stack = await stackUp();
  console.log(`✔ ${stack.kafka.note}\n✔ ${stack.redis.note}`);
} catch (error) {
  console.error(error instanceof StackError ? `✘ stack: ${error.message}` : error);
  process.exit(1);
}

console.log('building…');
if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) {
  console.error('✘ build failed');
  await stopAll(1);
}

mkdirSync(logsDir, { recursive: true });
const env = {
  ...process.env,
  KAFKA_BROKERS: stack.kafka.brokers.join(','),
  REDIS_URL: stack.redis.url,
  DELTASTREAM_CONFIG: process.env.DELTASTREAM_CONFIG ?? path.join(root, 'config/deltastream.yaml'),
  // The demo upstream runs on the wall clock, so event times are "now" and latencies mean something; and a
  // restart never hands the ingestor data older than the cursor it kept in Redis from the previous run.
  DEMO_START: process.env.DEMO_START ?? new Date().toISOString(),
};
for (const service of services) {
  const logFile = path.join(logsDir, `${service.name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', path.join(root, 'dist/apps', service.name, 'src/main.js')], {
    cwd: root,
    env: { ...env, HTTP_PORT: String(service.port) },
    stdio: ['ignore', out, out],
  });
  children.set(service.name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n✘ ${service.name} exited (${code ?? signal}). Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`);
    void stopAll(1);
  });
  const ready = await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${service.port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 90_000, 250);
  if (stopping) break;
  if (!ready) {
    console.error(`✘ ${service.name} did not become ready within 90 s. Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`);
    await stopAll(1);
  }
  console.log(`✔ ${service.name.padEnd(14)} http://127.0.0.1:${service.port}  ${service.role}`);
}

// The live page: the SDK from the built package, served with a pass-through to the edge on a free port.
console.log('building the client package for the live page…');
let livePage = '(not started: see the lines above)';
if (spawnSync(process.execPath, [path.join(root, 'libs/client/scripts/package.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }).status === 0) {
  const serve = spawn(process.execPath, [path.join(root, 'examples/serve.mjs'), '--edge', 'http://127.0.0.1:8080'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.set('live page', serve);
  let printed = '';
  serve.stdout.on('data', (chunk) => (printed += chunk));
  const listening = await waitFor(async () => /live page: (\S+)/.test(printed), 10_000, 100);
  livePage = listening ? /live page: (\S+)/.exec(printed)[1] : '(examples/serve.mjs did not start)';
} else {
  console.error('✘ the client package did not build: no live page');
}

console.log(`
Deltastream is running. Where to look:
  live page            ${livePage}   (latest state per stream, bytes saved vs per-event JSON)
  live records (SSE)   curl -N 'http://127.0.0.1:8080/v1/sse?streams=sensors&from=latest'
  frames (WebSocket)   ws://127.0.0.1:8080/v1/ws  then send {"type":"subscribe","streams":["sensors","trades"],"from":"earliest"}
  gRPC                 grpcurl -plaintext -d '{"streams":["trades"]}' 127.0.0.1:50051 deltastream.v1.DeliveryService/Subscribe
  metrics              curl http://127.0.0.1:8084/metrics   (every service; dashboard in deploy/grafana/)
  health / readiness   curl http://127.0.0.1:8081/readyz   (8080 edge, 8081 ingestor, 8082 windower, 8083 enricher, 8084 compressor, 8090 demo source)
  service logs         ${path.relative(root, logsDir)}/<service>.log   (JSON, one line per event)
  Kafka                ${stack.kafka.brokers.join(',')} — topics: deltastream.events.v1, .windows.v1, .encoded.v1, .frames.v1, .deadletter.v1
  Redis                ${stack.redis.url}
  docs                 docs/architecture.md, docs/protocols.md, docs/topics.md (kcat recipes), docs/operations.md
Press Ctrl-C to stop everything this command started.`);
