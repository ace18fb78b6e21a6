// The whole pipeline as child processes for the benchmarks: services start from dist/ (built by
// buildAndLoad) on free loopback ports, share one TOPIC_NAMESPACE, and are stopped when the bench exits.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { root } from './report.mjs';
import { stackDown, stackUp } from '../../tools/stack/stack.mjs';

/**
 * Kafka and Redis the way `npm start` and `npm test` get them: reused when they answer at KAFKA_BROKERS /
 * REDIS_URL, else started. `release()` stops again only what this call started.
 */
export async function ensureStack() {
  const started = await stackUp();
  console.log(`stack: ${started.kafka.note}; ${started.redis.note}`);
  return {
    async release() {
      if (started.kafka.started || started.redis.started) await stackDown();
    },
  };
}

export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Free ports for the given names, all different (the system readily hands a just-closed port out again). */
export async function freePorts(...names) {
  const ports = {};
  const taken = new Set();
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

/** Starts services of one namespace; `stopAll` (also on exit) sends SIGTERM to every one still running. */
export function pipeline(namespace) {
  const children = [];
  const stopAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  process.on('exit', stopAll);
  /** SIGTERM to all, resolved when every one has exited (their shutdown flushes logs, CPU profiles). */
  const stopAndWait = (timeoutMs = 15_000) =>
    Promise.race([
      Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM'))))),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  return {
    children,
    stopAll,
    stopAndWait,
    /**
     * `node dist/apps/<app>/src/main.js` with the namespace; stderr shown with BENCH_VERBOSE=1. With
     * BENCH_LOG_DIR=<dir> each process's logs (stdout and stderr, level BENCH_LOG_LEVEL, default warn) go to
     * `<dir>/<app>-<n>.log` instead.
     */
    start(app, env, nodeArgs = []) {
      const logDir = process.env.BENCH_LOG_DIR;
      let output = ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore'];
      if (logDir) {
        mkdirSync(logDir, { recursive: true });
        const file = openSync(path.join(logDir, `${app}-${children.filter((c) => c.app === app).length}.log`), 'a');
        output = [file, file];
      }
      const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...nodeArgs, path.join(root, 'dist/apps', app, 'src/main.js')], {
        cwd: root,
        env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', TOPIC_NAMESPACE: namespace, ...env },
        stdio: ['ignore', ...output],
      });
      // The child has its own copy of the descriptor.
      if (typeof output[0] === 'number') closeSync(output[0]);
      child.app = app;
      children.push(child);
      return child;
    },
  };
}

/** Resolves when GET /readyz answers 200 (a minute at most). */
export async function ready(port) {
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`service on ${port} never became ready`);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Samples CPU of named pids between `mark()` calls: % of one core each. */
export function cpuMeter(pids) {
  let last = { at: performance.now(), cpu: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])) };
  return {
    mark() {
      const now = { at: performance.now(), cpu: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])) };
      const seconds = (now.at - last.at) / 1000;
      const percent = Object.fromEntries(Object.keys(pids).map((name) => [name, now.cpu[name] === undefined || last.cpu[name] === undefined ? null : Math.round(((now.cpu[name] - last.cpu[name]) / seconds) * 1000) / 10]));
      last = now;
      return percent;
    },
  };
}

/** The machine's CPU ticks so far, from the first line of /proc/stat: busy (not idle or iowait) and steal. */
function machineTicks() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, steal: steal ?? 0 };
}

/**
 * Samples the whole machine between `mark()` calls, in % of one core (200 = both of two cores busy): busy
 * time, and steal — time the hypervisor gave another guest while this one had work, which shrinks the
 * capacity a step had (a run on a noisy host falls behind earlier).
 */
export function machineMeter() {
  let last = { at: performance.now(), ticks: machineTicks() };
  return {
    mark() {
      const now = { at: performance.now(), ticks: machineTicks() };
      const seconds = (now.at - last.at) / 1000;
      const percent = (key) => Math.round(((now.ticks[key] - last.ticks[key]) / TICKS_PER_SECOND / seconds) * 1000) / 10;
      const sample = { busyPercent: percent('busy'), stealPercent: percent('steal') };
      last = now;
      return sample;
    },
  };
}

/**
 * Deletes the topics of a bench namespace (`<namespace>.…`), so repeated runs do not pile up gigabytes in
 * the local broker (and slow later runs down). Best effort: a failure is reported, never fatal.
 */
export async function deleteNamespaceTopics(namespace, brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')) {
  const { Kafka, logLevel } = createRequire(import.meta.url)('kafkajs');
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    console.log(`cleanup: deleted ${topics.length} topics of ${namespace}`);
  } catch (error) {
    console.warn(`cleanup: topics of ${namespace} not deleted (${error.message})`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The suite YAML of the benches fed by the demo upstream: one source polling the demo's sensors on
 * `demoPort` (pages of 10 000, every 50 ms) keyed by `partitionKey` (`stream` or `entity`), up to
 * `changesPerRecord` changes per events record (1: a ChangeEvent record each), records as `recordFormat`
 * (`struct` or `json`); with `windowMs`, also the
 * sensors stream in windows of that length, readable without credentials.
 */
export function demoSensorsSuite({ demoPort, partitionKey, windowMs, changesPerRecord = 1, recordFormat = 'struct' }) {
  const streams =
    windowMs === undefined
      ? ''
      : `streams:
  - { name: sensors, window: { ms: ${windowMs}, allowedLatenessMs: 0, idleFlushMs: ${windowMs}, mode: all }, access: { anonymous: true } }
`;
  return `version: 1
sources:
  - id: sensors
    stream: sensors
    url: http://127.0.0.1:${demoPort}/v1/sensors/changes
    recordsPath: records
    entityIdField: id
    versionField: version
    occurredAtField: timestamp
    partitionKey: ${partitionKey}
    changesPerRecord: ${changesPerRecord}
    recordFormat: ${recordFormat}
    cursor: { mode: field, field: timestamp, param: since, format: iso8601, overlap: 0 }
    page: { param: limit, size: 10000 }
    pollIntervalMs: 50
${streams}`;
}
