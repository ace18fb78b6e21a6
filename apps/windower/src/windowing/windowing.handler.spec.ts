import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventBatchSchema, ChangeEventSchema, DeadLetterSchema, encodeChangeEventBatch, protobufContentType, topicCatalog, WindowBatchSchema, WindowMode, type ChangeEvent } from '@deltastream/contracts';
import type { OutputRecord, PartitionWork } from '@deltastream/kafka';
import { createLogger, traceIdOf } from '@deltastream/observability';
import { Windower, type StreamWindowConfig } from '@deltastream/windowing';
import type { BufferedChange } from './window-records';
import { WindowingHandler, type WindowingMetrics } from './windowing.handler';

const topics = topicCatalog({ namespace: 'unit' });
const logger = createLogger('windower-spec', 'silent');
const T0 = Date.UTC(2026, 0, 1);

function stream(overrides: Partial<StreamWindowConfig> = {}): StreamWindowConfig {
  return { stream: 'sensors', windowMs: 1000, allowedLatenessMs: 100, idleFlushMs: 200, maxEvents: 1000, maxBytes: 1 << 20, mode: 'all', ...overrides };
}

function change(entityId: string, version: number, occurredAtMs: number | undefined, streamName = 'sensors'): ChangeEvent {
  return create(ChangeEventSchema, {
    source: 'demo',
    stream: streamName,
    entityId,
    version: String(version),
    occurredAt: occurredAtMs === undefined ? undefined : timestampFromMs(occurredAtMs),
    observedAt: timestampFromMs(T0 + 60_000),
  });
}

const traceIdFor = (offset: number) => offset.toString(16).padStart(32, 'a');

function message(offset: number, value: Uint8Array): KafkaMessage {
  return {
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from(value),
    offset: String(offset),
    timestamp: String(T0),
    attributes: 0,
    headers: { traceparent: Buffer.from(`00-${traceIdFor(offset)}-00f067aa0ba902b7-01`), 'x-correlation-id': Buffer.from(`corr-${offset}`) },
  } as KafkaMessage;
}

const messagesOf = (changes: ChangeEvent[], firstOffset = 0) => changes.map((c, i) => message(firstOffset + i, toBinary(ChangeEventSchema, c)));

/** A ChangeEventBatch record of encoded changes (as the ingestor writes with changesPerRecord > 1). */
function batchMessage(offset: number, changes: (ChangeEvent | Uint8Array)[]): KafkaMessage {
  const encoded = changes.map((c) => (c instanceof Uint8Array ? c : toBinary(ChangeEventSchema, c)));
  const plain = message(offset, encodeChangeEventBatch(encoded));
  return { ...plain, headers: { ...plain.headers, 'content-type': Buffer.from(protobufContentType(ChangeEventBatchSchema.typeName)) } } as KafkaMessage;
}

class CountingMetrics implements WindowingMetrics {
  eventsInTotal = 0;
  unknown = 0;
  windows = 0;
  late = 0;
  coalesced = 0;
  deadLetters: string[] = [];
  eventsIn(_stream: string, count: number): void {
    this.eventsInTotal += count;
  }
  unknownStream(): void {
    this.unknown += 1;
  }
  windowOut(_stream: string, _reason: string, _events: number, _bytes: number, late: number, coalesced: number): void {
    this.windows += 1;
    this.late += late;
    this.coalesced += coalesced;
  }
  deadLettered(kind: string): void {
    this.deadLetters.push(kind);
  }
}

function setup(streams: StreamWindowConfig[] = [stream()], options: { committed?: string; highWaterBytes?: number } = {}) {
  let now = T0 + 60_000;
  const windower = new Windower<BufferedChange>({ streams, budget: { highWaterBytes: options.highWaterBytes ?? 1 << 30 } });
  const metrics = new CountingMetrics();
  const loads: number[] = [];
  const handler = new WindowingHandler(
    windower,
    topics,
    async (partition) => {
      loads.push(partition);
      return options.committed;
    },
    metrics,
    logger,
    () => now,
  );
  return { handler, metrics, loads, windower, advance: (ms: number) => (now += ms), now: () => now };
}

const batchesOf = (work: PartitionWork) => work.outputs.filter((o) => o.topic === topics.windows.name).map((o) => ({ record: o, batch: fromBinary(WindowBatchSchema, o.value) }));
const entityVersions = (records: OutputRecord[]) => records.filter((o) => o.topic === topics.windows.name).flatMap((o) => fromBinary(WindowBatchSchema, o.value).events.map((e) => `${e.entityId}@${e.version}`));

describe('WindowingHandler', () => {
  it('windows change events by event time into WindowBatch records keyed by stream, carrying the first event’s trace', async () => {
    const { handler, loads, metrics } = setup();
    const changes = [change('a', 1, T0 + 10), change('b', 1, T0 + 500), change('a', 2, T0 + 900), change('c', 1, T0 + 1200)];
    const work = await handler.handle(2, messagesOf(changes, 40));
    expect(loads).toEqual([2]);
    // The record at +1200 moves the watermark to +1100, past the end of [T0, T0+1000).
    const [first, ...rest] = batchesOf(work);
    expect(rest).toEqual([]);
    expect(first?.record.key).toBe('sensors');
    expect(first?.batch).toMatchObject({ windowId: `sensors/${T0}/2/0`, stream: 'sensors', windowStartMs: BigInt(T0), windowEndMs: BigInt(T0 + 1000), partition: 2, part: 0, mode: WindowMode.ALL, lateCount: 0, coalescedCount: 0 });
    // The events are the consumed ChangeEvents, unchanged.
    expect(first?.batch.events.map((e) => toBinary(ChangeEventSchema, e))).toEqual(changes.slice(0, 3).map((c) => toBinary(ChangeEventSchema, c)));
    expect(traceIdOf(first?.record.headers)).toBe(traceIdFor(40));
    expect(first?.record.headers?.['x-correlation-id']).toBe('corr-40');
    expect(first?.record.headers?.['content-type']).toContain('deltastream.v1.WindowBatch');
    // c@1 is still buffered: the committed offset stays on it.
    expect(work.commitOffset).toBe('43');
    expect(metrics.eventsInTotal).toBe(4);
  });

  it('dead-letters undecodable and invalid records in the same transaction, skips their offsets and windows the rest', async () => {
    const { handler, metrics, advance, now } = setup();
    const good = change('a', 1, T0 + 10);
    const noTime = create(ChangeEventSchema, { stream: 'sensors', entityId: 'x', version: '1' });
    const noEntity = change('', 1, T0 + 20);
    const messages = [message(0, Buffer.from([0xff, 0xff, 0x01])), message(1, toBinary(ChangeEventSchema, good)), message(2, toBinary(ChangeEventSchema, noTime)), message(3, toBinary(ChangeEventSchema, noEntity))];
    const work = await handler.handle(0, messages);
    const letters = work.outputs.filter((o) => o.topic === topics.deadLetter.name).map((o) => fromBinary(DeadLetterSchema, o.value));
    expect(letters.map((l) => [l.errorKind, l.offset])).toEqual([
      ['decode_error', 0n],
      ['invalid_event', 2n],
      ['invalid_event', 3n],
    ]);
    expect(letters[0]?.original).toEqual(new Uint8Array([0xff, 0xff, 0x01]));
    expect(letters[0]?.service).toBe('windower');
    expect(metrics.deadLetters).toEqual(['decode_error', 'invalid_event', 'invalid_event']);
    expect(work.commitOffset).toBe('1'); // a@1 is buffered
    advance(T0 + 1000 + 100 + 200 - (now() - 60_000));
    const flushed = handler.tick(0, now());
    expect(entityVersions([...flushed.outputs])).toEqual(['a@1']);
    expect(flushed.commitOffset).toBe('4');
  });

  it('counts events of unknown streams, windows nothing for them, and lets the offset pass them', async () => {
    const { handler, metrics } = setup();
    const work = await handler.handle(1, messagesOf([change('a', 1, T0, 'nobody-listens')]));
    expect(work.outputs).toEqual([]);
    expect(work.commitOffset).toBe('1');
    expect(metrics.unknown).toBe(1);
  });

  it('coalesces to the newest version per entity in latest mode and records how many changes it dropped', async () => {
    const { handler, metrics } = setup([stream({ mode: 'latest' })]);
    const work = await handler.handle(0, messagesOf([change('a', 1, T0 + 1), change('a', 3, T0 + 2), change('b', 1, T0 + 3), change('a', 2, T0 + 4), change('z', 1, T0 + 5000)]));
    const [only] = batchesOf(work);
    expect(only?.batch.events.map((e) => `${e.entityId}@${e.version}`)).toEqual(['a@3', 'b@1']);
    expect(only?.batch).toMatchObject({ mode: WindowMode.LATEST, coalescedCount: 2 });
    expect(metrics.coalesced).toBe(2);
  });

  it('commits from a tick only when the checkpoint changed', async () => {
    const { handler, advance, now } = setup();
    await handler.handle(0, messagesOf([change('a', 1, T0 + 10)]));
    expect(handler.tick(0, now())).toEqual({ outputs: [] });
    advance(5_000);
    const flushed = handler.tick(0, now());
    expect(flushed.outputs).toHaveLength(1);
    expect(flushed.commitOffset).toBe('1');
    expect(handler.tick(0, now())).toEqual({ outputs: [] });
    // A partition never restored has nothing to flush.
    expect(handler.tick(5, now())).toEqual({ outputs: [] });
  });

  it('after a reset, restores from the committed state and emits what was buffered exactly once', async () => {
    const first = setup();
    const changes = [change('a', 1, T0 + 10), change('b', 1, T0 + 1500), change('c', 1, T0 + 1600)];
    const work = await first.handler.handle(0, messagesOf(changes));
    const emitted = entityVersions([...work.outputs]);
    expect(emitted).toEqual(['a@1']);
    // A crash after this commit: the next owner restores from it and re-reads from the committed offset.
    const second = setup([stream()], { committed: work.commitMetadata });
    const replay = await second.handler.handle(0, messagesOf(changes.slice(Number(work.commitOffset)), Number(work.commitOffset)));
    expect(entityVersions([...replay.outputs])).toEqual([]);
    second.advance(10_000);
    const rest = second.handler.tick(0, second.now());
    expect([...emitted, ...entityVersions([...rest.outputs])].sort()).toEqual(['a@1', 'b@1', 'c@1']);
    expect(batchesOf(rest).map((b) => b.batch.windowId)).toEqual([`sensors/${T0 + 1000}/0/0`]);
  });
});

describe('WindowingHandler with records of several changes', () => {
  it('windows each change of a batch record, dead-letters a bad one alone, and commits a record only once all its changes are out', async () => {
    const { handler, metrics, advance, now } = setup();
    const noEntity = toBinary(ChangeEventSchema, change('', 1, T0 + 20));
    const work = await handler.handle(0, [batchMessage(5, [change('a', 1, T0 + 10), noEntity, change('b', 1, T0 + 30)]), batchMessage(6, [change('c', 1, T0 + 1500), change('d', 1, T0 + 1600)])]);
    const letters = work.outputs.filter((o) => o.topic === topics.deadLetter.name).map((o) => fromBinary(DeadLetterSchema, o.value));
    expect(letters.map((l) => [l.errorKind, l.offset, l.reason])).toEqual([['invalid_event', 5n, 'change 1 of 3 in the record: change event without entity_id']]);
    expect(letters[0]?.original).toEqual(noEntity);
    expect(metrics.deadLetters).toEqual(['invalid_event']);
    expect(metrics.eventsInTotal).toBe(4);
    // The watermark (+1500) closed [T0, T0+1000): record 5 is out, record 6 still buffered.
    expect(entityVersions([...work.outputs])).toEqual(['a@1', 'b@1']);
    expect(work.commitOffset).toBe('6');
    advance(10_000);
    const flushed = handler.tick(0, now());
    expect(entityVersions([...flushed.outputs])).toEqual(['c@1', 'd@1']);
    expect(flushed.commitOffset).toBe('7');
  });

  it('after a crash with a record half emitted, re-reads it and emits only the changes not out yet', async () => {
    const first = setup([stream({ maxEvents: 2 })]);
    const changes = [change('a', 1, T0 + 10), change('b', 1, T0 + 20), change('c', 1, T0 + 30)];
    const records = [batchMessage(9, changes)];
    // maxEvents 2 cuts a part after b@1: record 9 is half out, so the commit stays on it.
    const work = await first.handler.handle(0, records);
    expect(entityVersions([...work.outputs])).toEqual(['a@1', 'b@1']);
    expect(work.commitOffset).toBe('9');
    const second = setup([stream({ maxEvents: 2 })], { committed: work.commitMetadata });
    expect(entityVersions([...(await second.handler.handle(0, records)).outputs])).toEqual([]);
    second.advance(10_000);
    const rest = second.handler.tick(0, second.now());
    expect(entityVersions([...rest.outputs])).toEqual(['c@1']);
    expect(batchesOf(rest).map((b) => b.batch.windowId)).toEqual([`sensors/${T0}/0/1`]);
    expect(rest.commitOffset).toBe('10');
  });
});

describe('WindowingHandler backpressure', () => {
  it('reports over budget at the cap, and the idle flush drains it so everything is emitted', async () => {
    // Each change is ~60 bytes: the budget holds a handful.
    const { handler, advance, now } = setup([stream({ windowMs: 200, allowedLatenessMs: 0, idleFlushMs: 50 })], { highWaterBytes: 400 });
    const all = Array.from({ length: 30 }, (_, i) => change(`e${i % 7}`, i, T0 + (i % 10)));
    const emitted: string[] = [];
    let offset = 0;
    let pausedOnce = false;
    while (offset < all.length) {
      if (handler.overBudget()) {
        // Paused: no fetches, only ticks — which must drain the buffer.
        pausedOnce = true;
        advance(100);
        emitted.push(...entityVersions([...handler.tick(0, now()).outputs]));
        continue;
      }
      const slice = all.slice(offset, offset + 3);
      emitted.push(...entityVersions([...(await handler.handle(0, messagesOf(slice, offset))).outputs]));
      offset += slice.length;
    }
    advance(1_000);
    emitted.push(...entityVersions([...handler.tick(0, now()).outputs]));
    expect(pausedOnce).toBe(true);
    expect(handler.overBudget()).toBe(false);
    expect(handler.bufferedBytes()).toBe(0);
    expect(emitted.sort()).toEqual(all.map((c) => `${c.entityId}@${c.version}`).sort());
  });

  it('does not pause a partition still re-reading what it buffered before a restore (it could never drain)', async () => {
    const first = setup([stream()], { highWaterBytes: 1 << 20 });
    const changes = Array.from({ length: 20 }, (_, i) => change(`e${i}`, 1, T0 + i));
    const work = await first.handler.handle(0, messagesOf(changes));
    expect(work.commitOffset).toBe('0');
    // The next owner has a budget smaller than what the partition had buffered.
    const second = setup([stream()], { committed: work.commitMetadata, highWaterBytes: 100 });
    await second.handler.handle(0, messagesOf(changes.slice(0, 10)));
    expect(second.handler.bufferedBytes()).toBeGreaterThan(100);
    expect(second.handler.overBudget()).toBe(false);
    await second.handler.handle(0, messagesOf(changes.slice(10), 10));
    expect(second.handler.overBudget()).toBe(true);
  });
});
