import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { ChangeEventBatchSchema, ChangeEventSchema, DeadLetterSchema, encodeChangeEventBatch, protobufContentType, topicCatalog, WindowBatchSchema, WindowMode, type ChangeEvent } from '@deltastream/contracts';
import { createKafkaClient, ensureTopics } from '@deltastream/kafka';
import { createLogger, traceIdOf } from '@deltastream/observability';
import { cleanUp, eventually, startService, TopicReader, waitForStatus, type ReadRecord, type RunningService } from '@deltastream/testing';

const logger = createLogger('windower-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const running: RunningService[] = [];
const readers: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  kafka = createKafkaClient({ clientId: 'windower-it', brokers, logger });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
});

afterEach(async () => {
  await cleanUp(running, readers);
});

afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

/** Small windows so tests take seconds: `all` streams (one split by maxEvents) and a `latest` one. */
const SUITE = `version: 1
streams:
  - name: alpha
    window: { ms: 300, allowedLatenessMs: 100, idleFlushMs: 1500, mode: all }
  - name: beta
    window: { ms: 300, allowedLatenessMs: 100, idleFlushMs: 1500, maxEvents: 7, mode: all }
  - name: gamma
    window: { ms: 400, allowedLatenessMs: 100, idleFlushMs: 1500, mode: latest }
`;

function suiteFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'windower-it-')), 'suite.yaml');
  writeFileSync(file, SUITE);
  return file;
}

interface Input {
  readonly change: ChangeEvent;
  readonly traceId: string;
}

const keyOf = (e: { stream: string; entityId: string; version: string }) => `${e.stream}:${e.entityId}@${e.version}`;

/** Change events with synthetic, advancing event times (`step` ms per event), spread over streams and entities. */
function changes(count: number, options: { baseMs: number; firstVersion?: number; streams?: string[]; stepMs?: number }): Input[] {
  const streams = options.streams ?? ['alpha', 'beta'];
  return Array.from({ length: count }, (_, i) => {
    const version = (options.firstVersion ?? 0) + i;
    const stream = streams[i % streams.length] as string;
    const change = create(ChangeEventSchema, {
      source: 'it',
      stream,
      entityId: `${stream}-e${i % 23}`,
      version: String(version),
      occurredAt: timestampFromMs(options.baseMs + i * (options.stepMs ?? 2)),
      observedAt: timestampFromMs(Date.now()),
      record: { fields: { n: { kind: { case: 'numberValue', value: i } } } },
    });
    return { change, traceId: randomUUID().replaceAll('-', '') };
  });
}

function scenario() {
  const namespace = `it-window-${randomUUID().slice(0, 8)}`;
  const topics = topicCatalog({ namespace });
  const file = suiteFile();
  const start = async (env: Record<string, string> = {}) => {
    const service = await startService('windower', { TOPIC_NAMESPACE: namespace, DELTASTREAM_CONFIG: file, WINDOWER_SESSION_TIMEOUT_MS: '6000', WINDOWER_TICK_MS: '100', ...env });
    running.push(service);
    await waitForStatus(service, '/readyz', 200);
    return service;
  };
  const ensure = () => ensureTopics(admin, Object.values(topics), logger);
  const send = async (inputs: readonly Input[], extra: { key: string; value: Buffer }[] = []) => {
    await producer.send({
      topic: topics.events.name,
      acks: -1,
      messages: [
        ...inputs.map(({ change, traceId }) => ({ key: change.entityId, value: Buffer.from(toBinary(ChangeEventSchema, change)), headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-correlation-id': `c-${keyOf(change)}` } })),
        ...extra,
      ],
    });
  };
  /** As the ingestor writes with `changesPerRecord: 8` and `partitionKey: stream`: ChangeEventBatch records keyed by stream. */
  const sendPacked = async (inputs: readonly Input[]) => {
    const messages: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
    for (const stream of new Set(inputs.map((i) => i.change.stream))) {
      const ofStream = inputs.filter((i) => i.change.stream === stream);
      for (let i = 0; i < ofStream.length; i += 8) {
        const run = ofStream.slice(i, i + 8);
        const value = Buffer.from(encodeChangeEventBatch(run.map(({ change }) => toBinary(ChangeEventSchema, change))));
        messages.push({ key: stream, value, headers: { traceparent: `00-${(run[0] as Input).traceId}-00f067aa0ba902b7-01`, 'content-type': protobufContentType(ChangeEventBatchSchema.typeName) } });
      }
    }
    await producer.send({ topic: topics.events.name, acks: -1, messages });
  };
  const windows = async () => {
    const reader = await new TopicReader(kafka, topics.windows.name, WindowBatchSchema).start();
    readers.push(reader);
    return reader;
  };
  const deadLetters = async () => {
    const reader = await new TopicReader(kafka, topics.deadLetter.name, DeadLetterSchema).start();
    readers.push(reader);
    return reader;
  };
  return { namespace, topics, start, ensure, send, sendPacked, windows, deadLetters };
}

/** Everything the windows topic says, checked for the invariants every test needs. */
function analyse(records: readonly ReadRecord<typeof WindowBatchSchema>[]) {
  const contentById = new Map<string, string>();
  const conflicting = new Set<string>();
  const occurrences = new Map<string, number>();
  for (const { message } of records) {
    const content = Buffer.from(toBinary(WindowBatchSchema, message)).toString('base64');
    const before = contentById.get(message.windowId);
    if (before !== undefined && before !== content) conflicting.add(message.windowId);
    contentById.set(message.windowId, content);
    for (const event of message.events) occurrences.set(keyOf(event), (occurrences.get(keyOf(event)) ?? 0) + 1);
  }
  const allModeKeys = [...occurrences].filter(([key]) => !key.startsWith('gamma:'));
  return { contentById, conflicting: [...conflicting], occurrences, duplicated: allModeKeys.filter(([, n]) => n > 1).map(([k]) => k) };
}

/** The producers' rate limit (about 1 500 events/s), so events keep flowing through kills and rebalances. */
const paced = () => new Promise((resolve) => setTimeout(resolve, 25));

const missingFrom = (inputs: readonly Input[], occurrences: ReadonlyMap<string, number>) => inputs.map((i) => keyOf(i.change)).filter((k) => !occurrences.has(k));

/**
 * Sends paced chunks of 40 changes with advancing event times (40 000 at most) until `stop()`; `all` holds
 * every one sent. With `sendPacked`, every other chunk goes as ChangeEventBatch records.
 */
function keepSending(send: (inputs: readonly Input[]) => Promise<void>, sendPacked?: (inputs: readonly Input[]) => Promise<void>) {
  const all: Input[] = [];
  const base = Date.now();
  let produced = 0;
  let stopped = false;
  const flowing = (async () => {
    while (!stopped && produced < 40_000) {
      const chunk = changes(40, { baseMs: base + produced * 2, firstVersion: produced });
      produced += chunk.length;
      all.push(...chunk);
      await (sendPacked && (produced / chunk.length) % 2 === 0 ? sendPacked(chunk) : send(chunk));
      await paced();
    }
  })();
  return {
    all,
    produced: () => produced,
    stop: async () => {
      stopped = true;
      await flowing;
    },
  };
}

/** Waits until every one of `all` is in a window, then: no window id with two contents, no all-mode event twice. */
async function expectWindowedExactlyOnce(reader: TopicReader<typeof WindowBatchSchema>, all: readonly Input[]): Promise<void> {
  await eventually(() => missingFrom(all, analyse(reader.records).occurrences).length === 0, 40_000, () => `all ${all.length} events windowed (missing ${missingFrom(all, analyse(reader.records).occurrences).length})`);
  const result = analyse(reader.records);
  expect(result.conflicting).toEqual([]);
  expect(result.duplicated).toEqual([]);
}

describe('windower (real broker)', () => {
  it('windows every event exactly once in all mode, coalesces in latest mode, and produces the same window ids and contents when run again', async () => {
    const first = scenario();
    const second = scenario();
    const base = Date.now() - 60_000;
    const inputs = [...changes(900, { baseMs: base, streams: ['alpha', 'beta', 'gamma'] })];
    // Late arrivals: event times far behind the watermark by the time they are read.
    const late = changes(12, { baseMs: base, firstVersion: 10_000, streams: ['alpha', 'beta'] });
    const all = [...inputs, ...late];
    // The same input, in the same per-partition order, in two namespaces: two independent runs.
    for (const run of [first, second]) {
      await run.ensure();
      for (let i = 0; i < inputs.length; i += 100) await run.send(inputs.slice(i, i + 100));
      await run.send(late);
    }
    const [readerA, readerB] = await Promise.all([first.windows(), second.windows()]);
    await Promise.all([first.start(), second.start()]);

    const allModeInputs = all.filter((i) => i.change.stream !== 'gamma');
    const gammaInputs = all.filter((i) => i.change.stream === 'gamma');
    const countOf = (records: readonly ReadRecord<typeof WindowBatchSchema>[], stream: string, field: 'events' | 'coalescedCount') =>
      records.filter((r) => r.message.stream === stream).reduce((sum, r) => sum + (field === 'events' ? r.message.events.length : r.message.coalescedCount), 0);
    const complete = (records: readonly ReadRecord<typeof WindowBatchSchema>[]) =>
      missingFrom(allModeInputs, analyse(records).occurrences).length === 0 && countOf(records, 'gamma', 'events') + countOf(records, 'gamma', 'coalescedCount') >= gammaInputs.length;
    await eventually(() => complete(readerA.records) && complete(readerB.records), 45_000, () => `every event windowed in both runs (have ${readerA.records.length} / ${readerB.records.length} windows)`);

    const a = analyse(readerA.records);
    const b = analyse(readerB.records);
    expect(a.conflicting).toEqual([]);
    expect(a.duplicated).toEqual([]);
    // Deterministic identity and contents: the second run produced exactly the same windows.
    expect([...b.contentById.keys()].sort()).toEqual([...a.contentById.keys()].sort());
    expect([...a.contentById].every(([id, content]) => b.contentById.get(id) === content)).toBe(true);

    const byId = new Map(readerA.records.map((r) => [r.message.windowId, r] as const));
    const eventTimeMs = (e: ChangeEvent) => Number(e.occurredAt?.seconds ?? 0n) * 1000 + Math.floor((e.occurredAt?.nanos ?? 0) / 1e6);
    for (const { message: w, key, headers } of byId.values()) {
      expect(key).toBe(w.stream);
      expect(w.windowId).toBe(`${w.stream}/${w.windowStartMs}/${w.partition}/${w.part}`);
      expect(w.windowEndMs - w.windowStartMs).toBe(w.stream === 'gamma' ? 400n : 300n);
      expect(w.mode).toBe(w.stream === 'gamma' ? WindowMode.LATEST : WindowMode.ALL);
      // Events that are not late lie inside their window.
      const onTime = w.events.filter((e) => Number(e.version) < 10_000);
      if (w.lateCount === 0) for (const e of onTime) expect(eventTimeMs(e)).toBeGreaterThanOrEqual(Number(w.windowStartMs));
      for (const e of onTime) expect(eventTimeMs(e)).toBeLessThan(Number(w.windowEndMs));
      // The batch continues the trace of its first event.
      const firstInput = all.find((i) => keyOf(i.change) === keyOf(w.events[0] as ChangeEvent));
      expect(traceIdOf(headers)).toBe(firstInput?.traceId);
      if (w.stream === 'beta') expect(w.events.length).toBeLessThanOrEqual(7);
      if (w.stream === 'gamma') expect(new Set(w.events.map((e) => e.entityId)).size).toBe(w.events.length);
    }
    // Parts of a window are numbered 0..n-1 (beta is split by maxEvents).
    const parts = new Map<string, number[]>();
    for (const { message: w } of byId.values()) parts.set(`${w.stream}/${w.windowStartMs}/${w.partition}`, [...(parts.get(`${w.stream}/${w.windowStartMs}/${w.partition}`) ?? []), w.part]);
    for (const numbers of parts.values()) expect(numbers.sort((x, y) => x - y)).toEqual(numbers.map((_, i) => i));
    expect([...byId.values()].some((r) => r.message.stream === 'beta' && r.message.part > 0)).toBe(true);
    // Late events are counted and delivered, never dropped.
    expect([...byId.values()].reduce((sum, r) => sum + r.message.lateCount, 0)).toBeGreaterThanOrEqual(late.length);
    // Latest mode: every change is either delivered or counted as coalesced, and each entity's newest version arrives.
    expect(countOf(readerA.records, 'gamma', 'events') + countOf(readerA.records, 'gamma', 'coalescedCount')).toBe(gammaInputs.length);
    expect(countOf(readerA.records, 'gamma', 'coalescedCount')).toBeGreaterThan(0);
    const newest = new Map<string, number>();
    for (const { change } of gammaInputs) newest.set(change.entityId, Math.max(newest.get(change.entityId) ?? -1, Number(change.version)));
    for (const [entity, version] of newest) expect(a.occurrences.get(`gamma:${entity}@${version}`)).toBe(1);
  });

  it('after kill -9 mid-stream and a restart, every event is windowed exactly once and no window id has two contents (records of one change and of several)', async () => {
    const { start, send, sendPacked, windows } = scenario();
    const victim = await start();
    const reader = await windows();
    // Events keep flowing in during the kill and the restart; half of them packed several to a record,
    // so the kill also lands between the changes of a record already partly windowed.
    const flow = keepSending(send, sendPacked);
    await eventually(() => reader.records.length >= 10, 30_000, () => `first windows (have ${reader.records.length})`);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const killedAfter = { windows: reader.records.length, produced: flow.produced() };
    await start();
    await eventually(() => reader.records.length > killedAfter.windows + 10, 40_000, () => 'windows after the restart');
    await flow.stop();
    expect(flow.produced()).toBeGreaterThan(killedAfter.produced);

    await expectWindowedExactlyOnce(reader, flow.all);
  });

  it('splits the partitions between two replicas and loses nothing when one joins and one leaves mid-stream', async () => {
    const { start, send, windows } = scenario();
    const first = await start();
    const reader = await windows();
    const flow = keepSending(send);
    await eventually(() => reader.records.length >= 5, 30_000, () => 'first windows');
    const second = await start();
    const assignments = (service: RunningService) =>
      service
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"partitions assigned"'))
        .map((line) => (JSON.parse(line) as { partitions: number[] }).partitions);
    // Both replicas own a share at the same time.
    await eventually(() => (assignments(second).at(-1)?.length ?? 0) > 0 && (assignments(first).at(-1)?.length ?? 0) < 6, 30_000, () => 'the partitions split between the replicas');
    expect([...(assignments(first).at(-1) ?? []), ...(assignments(second).at(-1) ?? [])].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const beforeLeave = reader.records.length;
    await eventually(() => reader.records.length > beforeLeave + 5, 30_000, () => 'windows from both replicas');
    const producedBeforeLeave = flow.produced();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await eventually(() => assignments(second).at(-1)?.length === 6, 30_000, () => 'the remaining replica owning every partition');
    const afterLeave = reader.records.length;
    await eventually(() => reader.records.length > afterLeave + 5, 30_000, () => 'windows after the leave');
    await flow.stop();
    expect(flow.produced()).toBeGreaterThan(producedBeforeLeave);

    await expectWindowedExactlyOnce(reader, flow.all);
  });

  it('dead-letters a poison record and an invalid event, and windows the rest', async () => {
    const { topics, start, send, windows, deadLetters } = scenario();
    await start();
    const reader = await windows();
    const letters = await deadLetters();
    const good = changes(30, { baseMs: Date.now() });
    const poison = Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]);
    const noEntity = Buffer.from(toBinary(ChangeEventSchema, create(ChangeEventSchema, { stream: 'alpha', version: '1', occurredAt: timestampFromMs(Date.now()) })));
    await send(good.slice(0, 15), [
      { key: 'poison', value: poison },
      { key: 'no-entity', value: noEntity },
    ]);
    await send(good.slice(15));

    await eventually(() => letters.records.length >= 2 && missingFrom(good, analyse(reader.records).occurrences).length === 0, 30_000, () => `2 dead letters (have ${letters.records.length}) and every good event`);
    const byKind = new Map(letters.records.map((r) => [r.message.errorKind, r.message]));
    expect([...byKind.keys()].sort()).toEqual(['decode_error', 'invalid_event']);
    expect(Buffer.from(byKind.get('decode_error')?.original ?? [])).toEqual(poison);
    expect(byKind.get('decode_error')).toMatchObject({ topic: topics.events.name, service: 'windower' });
    expect(analyse(reader.records).duplicated).toEqual([]);
  });

  it('pauses fetching under a tiny buffer budget and still emits every event', async () => {
    const { start, send, windows, ensure } = scenario();
    await ensure();
    // A backlog far larger than the budget: fetching must pause and resume as idle windows drain.
    const all = changes(1_200, { baseMs: Date.now(), stepMs: 5 });
    for (let i = 0; i < all.length; i += 200) await send(all.slice(i, i + 200));
    const reader = await windows();
    const service = await start({ WINDOWER_MAX_BUFFERED_BYTES: '3000' });

    await eventually(() => missingFrom(all, analyse(reader.records).occurrences).length === 0, 60_000, () => `all events windowed (missing ${missingFrom(all, analyse(reader.records).occurrences).length})`);
    expect(service.output()).toContain('buffer over budget: pausing fetches');
    expect(service.output()).toContain('resuming fetches');
    const result = analyse(reader.records);
    expect(result.conflicting).toEqual([]);
    expect(result.duplicated).toEqual([]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_windower_events_in_total\{[^}]*stream="alpha"[^}]*\} \d+/);
    expect(metrics).toContain('deltastream_windower_buffered_bytes');
  });
});
