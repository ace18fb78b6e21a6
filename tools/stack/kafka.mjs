// Local Apache Kafka 4.x in single-node KRaft mode: jars from Maven Central (deploy/local/kafka/pom.xml),
// cached in .cache/kafka/<version>/libs; data and logs in .stack/kafka. Run with the machine's JDK (17+).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { cacheDir, root, stackDir } from './paths.mjs';
import { isAlive, readPid, StackError, stopPid, waitFor, which, writePid } from './process.mjs';

const pom = path.join(root, 'deploy/local/kafka/pom.xml');
const kafkaVersion = readFileSync(pom, 'utf8').match(/<kafka\.version>([^<]+)<\/kafka\.version>/)[1];
const libsDir = path.join(cacheDir, 'kafka', kafkaVersion, 'libs');
const kafkaDir = path.join(stackDir, 'kafka');
const dataDir = path.join(kafkaDir, 'data');
const pidFile = path.join(kafkaDir, 'kafka.pid');
const logFile = path.join(kafkaDir, 'kafka.log');

export const defaultBrokers = '127.0.0.1:9092';

export function brokersFromEnv() {
  return (process.env.KAFKA_BROKERS ?? defaultBrokers).split(',').map((b) => b.trim()).filter(Boolean);
}

/** True when a Kafka broker answers a metadata request at `brokers`. */
export async function kafkaAnswers(brokers, timeoutMs = 3_000) {
  const kafka = new Kafka({
    clientId: 'deltastream-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function javaMajorVersion() {
  const java = which('java');
  if (!java) return undefined;
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = `${result.stderr}${result.stdout}`.match(/version "(\d+)(?:\.(\d+))?/);
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function ensureJava() {
  const major = javaMajorVersion();
  if (major === undefined) {
    throw new StackError('Java not found: the local Kafka broker needs a JDK/JRE 17 or newer (Debian: apt-get install openjdk-17-jre-headless).');
  }
  if (major < 17) {
    throw new StackError(`Java ${major} found, but Kafka ${kafkaVersion} needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless).`);
  }
}

/** Fetches the broker jars with Maven on first use; later runs reuse the cache. */
export function ensureKafkaJars(log = console.log) {
  const marker = path.join(libsDir, '.complete');
  if (existsSync(marker)) return libsDir;
  if (!which('mvn')) {
    throw new StackError(`Maven not found: it fetches the Kafka ${kafkaVersion} jars from Maven Central on first start (Debian: apt-get install maven).`);
  }
  log(`stack: fetching Apache Kafka ${kafkaVersion} jars with Maven into ${path.relative(root, libsDir)} (first run only)…`);
  const started = Date.now();
  const result = spawnSync(
    'mvn',
    ['-B', '-ntp', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime'],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    throw new StackError(`Maven could not fetch the Kafka ${kafkaVersion} jars (exit ${result.status}); see its output above.`);
  }
  const jars = readdirSync(libsDir).filter((name) => name.endsWith('.jar'));
  writeFileSync(marker, `${jars.length} jars\n`);
  log(`stack: ${jars.length} jars fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libsDir;
}

function renderServerProperties(port, controllerPort) {
  const template = readFileSync(path.join(root, 'deploy/local/kafka/server.properties'), 'utf8');
  const rendered = template
    .replaceAll('${DATA_DIR}', dataDir)
    .replaceAll('${KAFKA_PORT}', String(port))
    .replaceAll('${CONTROLLER_PORT}', String(controllerPort));
  const file = path.join(kafkaDir, 'server.properties');
  writeFileSync(file, rendered);
  return file;
}

/** Kafka's own variable names: KAFKA_HEAP_OPTS replaces the heap flags, KAFKA_JVM_PERFORMANCE_OPTS the GC flag. */
function jvmOptions(name, fallback) {
  const value = process.env[name]?.trim();
  return value ? value.split(/\s+/) : fallback;
}

function javaArgs(mainClass, args) {
  return [
    ...jvmOptions('KAFKA_HEAP_OPTS', ['-Xms256m', '-Xmx1g']),
    ...jvmOptions('KAFKA_JVM_PERFORMANCE_OPTS', ['-XX:+UseG1GC']),
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(root, 'deploy/local/kafka/log4j2.yaml')}`,
    `-Dkafka.logs.dir=${kafkaDir}`,
    '-cp',
    `${libsDir}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * A Kafka cluster id: a base64url-encoded 16-byte UUID without padding. Like Kafka's own Uuid.randomUuid,
 * never one starting with "-": the storage tool's argument parser would take it for an option (1 in 64
 * fresh stacks failed to format).
 */
export function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorageOnce(propertiesFile) {
  if (existsSync(path.join(dataDir, 'meta.properties'))) return;
  mkdirSync(dataDir, { recursive: true });
  const clusterId = newClusterId();
  const result = spawnSync('java', javaArgs('kafka.tools.StorageTool', ['format', '--standalone', '-t', clusterId, '-c', propertiesFile]), {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new StackError(`formatting Kafka storage failed:\n${result.stdout}${result.stderr}`);
  }
}

function tail(file, lines = 40) {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Starts the local broker unless one already answers. Returns what it did. */
export async function kafkaUp(log = console.log) {
  const brokers = brokersFromEnv();
  if (await kafkaAnswers(brokers)) {
    return { started: false, brokers, note: `Kafka answering at ${brokers.join(',')} (reused)` };
  }
  const local = brokers.length === 1 && /^(127\.0\.0\.1|localhost):\d+$/.test(brokers[0]);
  if (!local) {
    throw new StackError(`KAFKA_BROKERS=${brokers.join(',')} does not answer, and the local stack only starts a broker on 127.0.0.1.`);
  }
  const port = Number(brokers[0].split(':')[1]);
  mkdirSync(kafkaDir, { recursive: true });

  const existing = readPid(pidFile);
  if (!isAlive(existing)) {
    ensureJava();
    ensureKafkaJars(log);
    const propertiesFile = renderServerProperties(port, port + 1);
    formatStorageOnce(propertiesFile);
    log(`stack: starting Kafka ${kafkaVersion} (KRaft, single node) on 127.0.0.1:${port}…`);
    const out = openSync(logFile, 'a');
    const child = spawn('java', javaArgs('kafka.Kafka', [propertiesFile]), { cwd: kafkaDir, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    writePid(pidFile, child.pid);
    child.unref();
  } else {
    log(`stack: Kafka process ${existing} is starting; waiting for it…`);
  }

  const pid = readPid(pidFile);
  const ready = await waitFor(async () => !isAlive(pid) || (await kafkaAnswers(brokers, 2_000)), 120_000, 500);
  if (!isAlive(pid)) {
    throw new StackError(`Kafka exited during start-up. Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`);
  }
  if (!ready) {
    throw new StackError(`Kafka did not answer on ${brokers[0]} within 120 s. Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`);
  }
  return { started: true, brokers, note: `Kafka ${kafkaVersion} started on ${brokers[0]} (pid ${pid}, log ${path.relative(root, logFile)})` };
}

export async function kafkaDown() {
  return stopPid(pidFile, 60_000);
}

export function kafkaStatus() {
  const pid = readPid(pidFile);
  return { pid: isAlive(pid) ? pid : undefined, logFile, version: kafkaVersion };
}
