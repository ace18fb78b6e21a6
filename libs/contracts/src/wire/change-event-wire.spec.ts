import { create, fromBinary, toBinary, type JsonObject } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { ChangeEventBatchSchema, ChangeEventSchema, type ChangeEvent } from '../gen/deltastream/v1/event_pb';
import { WindowBatchSchema } from '../gen/deltastream/v1/window_pb';
import { ChangeBatchError, changeBatchEntries, changeBatchEntrySize, encodeChangeEventBatch } from './change-batch-wire';
import { encodeChangeEvent, readChangeHead } from './change-event-wire';
import { encodeWindowBatch, readWindowBatch } from './window-batch-wire';

// The fast codecs must agree with protobuf-es (generated from proto/) on every input they accept.

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ minLength: 100, maxLength: 400 }));
const jsonRecord = fc.dictionary(text, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 12 }) as fc.Arbitrary<JsonObject>;
const timestamp = fc.record({ seconds: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }).map((t) => create(TimestampSchema, t));
/** Every field of ChangeEvent, each with values that stress the codec. */
const changeEventFields = {
      source: text,
      stream: text,
      entityId: text,
      version: text,
      cursor: text,
      occurredAt: timestamp,
      observedAt: timestamp,
      record: jsonRecord,
      ingestKind: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      // Any text as far as the wire is concerned (JSON or not: that is the enricher's to judge).
      recordJson: fc.oneof(text, jsonRecord.map((record) => JSON.stringify(record))),
      deleted: fc.boolean(),
};
const changeEvent = fc
  .record(changeEventFields, { requiredKeys: ['source', 'stream', 'entityId', 'version', 'cursor', 'ingestKind'] })
  .map((init) => create(ChangeEventSchema, init));

/** A sensors-like record, the shape the pipeline carries most. */
const sensorEvent = (): ChangeEvent =>
  create(ChangeEventSchema, {
    source: 'sensors',
    stream: 'sensors',
    entityId: 'sensor-0042',
    version: '17',
    cursor: '2026-11-23T10:00:00.000Z',
    occurredAt: create(TimestampSchema, { seconds: 1_795_000_000n, nanos: 250_000_000 }),
    observedAt: create(TimestampSchema, { seconds: 1_795_000_001n }),
    record: { id: 'sensor-0042', version: 17, timestamp: '2026-11-23T10:00:00.000Z', temperature: 21.37, humidity: 48.2, status: 'ok', tags: ['a', 'b'], meta: { site: null, on: true } },
    ingestKind: 1,
  });

describe('the fast ChangeEvent codec', () => {
  it('covers every field the schema has (a field added to event.proto fails here until the codec and this arbitrary handle it)', () => {
    expect(ChangeEventSchema.fields.map((field) => field.localName).sort()).toEqual(Object.keys(changeEventFields).sort());
  });
});

describe('encodeChangeEvent', () => {
  it('writes the bytes protobuf-es writes', () => {
    fc.assert(fc.property(changeEvent, (event) => expect(encodeChangeEvent(event)).toEqual(toBinary(ChangeEventSchema, event))), { numRuns: 500 });
  });

  it('handles lengths that need more than one varint byte at every level', () => {
    const wide: JsonObject = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, { nested: 'x'.repeat(i * 60), list: [i, `é${i}`] }]));
    const event = create(ChangeEventSchema, { ...sensorEvent(), record: { wide, long: 'ü'.repeat(40_000) } });
    expect(encodeChangeEvent(event)).toEqual(toBinary(ChangeEventSchema, event));
  });

  it('leaves what it does not handle to protobuf-es, with the same result', () => {
    const withUnknown = { ...sensorEvent(), $unknown: [{ no: 99, wireType: 0, data: new Uint8Array([1]) }] };
    expect(encodeChangeEvent(withUnknown)).toEqual(toBinary(ChangeEventSchema, withUnknown));
    const notFinite = create(ChangeEventSchema, { ...sensorEvent(), record: { temperature: Number.NaN } });
    expect(encodeChangeEvent(notFinite)).toEqual(toBinary(ChangeEventSchema, notFinite));
    const fractionalNanos = { ...sensorEvent(), observedAt: { ...create(TimestampSchema), nanos: 0.5 } };
    expect(() => encodeChangeEvent(fractionalNanos)).toThrow();
    expect(() => toBinary(ChangeEventSchema, fractionalNanos)).toThrow();
  });

  it('is reusable after an encode that fell back', () => {
    encodeChangeEvent(create(ChangeEventSchema, { ...sensorEvent(), record: { bad: Number.POSITIVE_INFINITY } }));
    expect(encodeChangeEvent(sensorEvent())).toEqual(toBinary(ChangeEventSchema, sensorEvent()));
  });
});

describe('readChangeHead', () => {
  it('reads what protobuf-es reads', () => {
    fc.assert(
      fc.property(changeEvent, (event) => {
        const bytes = toBinary(ChangeEventSchema, event);
        const reference = fromBinary(ChangeEventSchema, bytes);
        expect(readChangeHead(bytes)).toEqual({ stream: reference.stream, entityId: reference.entityId, version: reference.version, occurredAt: reference.occurredAt, observedAt: reference.observedAt });
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts bytes protobuf-es refuses (so what the windower forwards unread decodes downstream)', () => {
    const encoded = fc.oneof(changeEvent, fc.constant(sensorEvent())).map((event) => toBinary(ChangeEventSchema, event));
    fc.assert(
      fc.property(encoded, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (bytes, flips, cut) => {
        const corrupt = bytes.slice(0, bytes.length - (cut % 3 === 0 ? cut % Math.max(1, bytes.length) : 0));
        for (const [at, value] of flips) if (corrupt.length > 0) corrupt[at % corrupt.length] = value;
        const head = readChangeHead(corrupt);
        if (head === undefined) return;
        const reference = fromBinary(ChangeEventSchema, corrupt);
        expect(head).toEqual({ stream: reference.stream, entityId: reference.entityId, version: reference.version, occurredAt: reference.occurredAt, observedAt: reference.observedAt });
      }),
      { numRuns: 800 },
    );
  });

  it('returns undefined for what it leaves to protobuf-es', () => {
    const bytes = toBinary(ChangeEventSchema, sensorEvent());
    expect(readChangeHead(new Uint8Array([...bytes, 0xf8, 0x06, 0x01]))).toBeUndefined(); // unknown field 111
    expect(readChangeHead(bytes.subarray(0, bytes.length - 1))).toBeUndefined(); // truncated
    expect(readChangeHead(new Uint8Array([0x12, 0x02, 0xc3, 0x28]))).toBeUndefined(); // invalid UTF-8 in stream
  });
});

describe('readWindowBatch', () => {
  const windowBatch = fc
    .record({
      windowId: text,
      stream: text,
      windowStartMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      windowEndMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      partition: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      part: fc.nat(),
      mode: fc.constantFrom(0, 1, 2),
      events: fc.array(changeEvent, { maxLength: 6 }),
      coalescedCount: fc.nat(),
      lateCount: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    })
    .map((init) => create(WindowBatchSchema, init));

  it('decodes what protobuf-es decodes', () => {
    fc.assert(
      fc.property(windowBatch, (batch) => {
        const bytes = toBinary(WindowBatchSchema, batch);
        expect(readWindowBatch(bytes)).toEqual(fromBinary(WindowBatchSchema, bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('encodeWindowBatch frames encoded events into the batch protobuf-es reads back (events after the head fields)', () => {
    fc.assert(
      fc.property(windowBatch, (batch) => {
        const head = create(WindowBatchSchema, { ...batch, events: [] });
        const bytes = encodeWindowBatch(head, batch.events.map((event) => toBinary(ChangeEventSchema, event)));
        expect(fromBinary(WindowBatchSchema, bytes)).toEqual(fromBinary(WindowBatchSchema, toBinary(WindowBatchSchema, batch)));
        expect(readWindowBatch(bytes)).toEqual(fromBinary(WindowBatchSchema, bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts bytes protobuf-es refuses, and agrees with it on the rest', () => {
    fc.assert(
      fc.property(windowBatch, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (batch, flips) => {
        const corrupt = toBinary(WindowBatchSchema, batch);
        for (const [at, value] of flips) if (corrupt.length > 0) corrupt[at % corrupt.length] = value;
        const fast = readWindowBatch(corrupt);
        if (fast !== undefined) expect(fast).toEqual(fromBinary(WindowBatchSchema, corrupt));
      }),
      { numRuns: 500 },
    );
  });
});

describe('ChangeEventBatch framing', () => {
  const events = fc.array(changeEvent, { maxLength: 6 });

  it('packs encoded events into the bytes protobuf-es writes for the batch, and unpacks them unchanged', () => {
    fc.assert(
      fc.property(events, (batch) => {
        const encoded = batch.map((event) => toBinary(ChangeEventSchema, event));
        const bytes = encodeChangeEventBatch(encoded);
        expect(bytes).toEqual(toBinary(ChangeEventBatchSchema, create(ChangeEventBatchSchema, { events: batch })));
        expect(bytes.byteLength).toBe(encoded.reduce((sum, event) => sum + changeBatchEntrySize(event.byteLength), 0));
        expect(changeBatchEntries(bytes).map((entry) => Uint8Array.from(entry))).toEqual(encoded);
      }),
      { numRuns: 200 },
    );
  });

  it('skips fields it does not know, as protobuf-es does', () => {
    const event = toBinary(ChangeEventSchema, sensorEvent());
    // field 2 varint 150, field 3 length-delimited "hi", field 4 fixed64, field 5 fixed32, between two entries.
    const unknown = [0x10, 0x96, 0x01, 0x1a, 0x02, 0x68, 0x69, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 0x2d, 1, 2, 3, 4];
    const bytes = Uint8Array.from([...encodeChangeEventBatch([event]), ...unknown, ...encodeChangeEventBatch([event])]);
    expect(changeBatchEntries(bytes).map((entry) => Uint8Array.from(entry))).toEqual([event, event]);
    expect(fromBinary(ChangeEventBatchSchema, bytes).events).toHaveLength(2);
  });

  it('on corrupted bytes, refuses the batch, or gives entries each judged alone: when all decode, they are what protobuf-es reads', () => {
    fc.assert(
      fc.property(events, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (batch, flips) => {
        const corrupt = Uint8Array.from(encodeChangeEventBatch(batch.map((event) => toBinary(ChangeEventSchema, event))));
        for (const [at, value] of flips) if (corrupt.length > 0) corrupt[at % corrupt.length] = value;
        let entries: Uint8Array[];
        try {
          entries = changeBatchEntries(corrupt);
        } catch (error) {
          expect(error).toBeInstanceOf(ChangeBatchError);
          expect(() => fromBinary(ChangeEventBatchSchema, corrupt)).toThrow();
          return;
        }
        // The framing held; damage inside an entry makes that entry refused alone (the windower keeps its
        // good neighbours). protobuf-es is laxer here — a nested message may read past its own length
        // (seed 961866865) — so it is the reference only when every entry stands on its own.
        if (entries.some(isRefused)) return;
        expect(entries.map((entry) => fromBinary(ChangeEventSchema, entry))).toEqual(fromBinary(ChangeEventBatchSchema, corrupt).events);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses alone an entry whose length was cut short, where protobuf-es would read past it (seed 961866865)', () => {
    const event = toBinary(ChangeEventSchema, create(ChangeEventSchema, { entityId: ' '.repeat(100), observedAt: create(TimestampSchema, { seconds: -1n }), record: { '': { '': 0 } } }));
    const corrupt = Uint8Array.from(encodeChangeEventBatch([event]));
    corrupt[1] = 129; // the entry's 2-byte length 142 becomes 129
    expect(fromBinary(ChangeEventBatchSchema, corrupt).events).toHaveLength(1);
    const entries = changeBatchEntries(corrupt);
    expect(entries[0]?.byteLength).toBe(129);
    expect(isRefused(entries[0] as Uint8Array)).toBe(true);
  });
});

function isRefused(entry: Uint8Array): boolean {
  try {
    fromBinary(ChangeEventSchema, entry);
    return false;
  } catch {
    return true;
  }
}
