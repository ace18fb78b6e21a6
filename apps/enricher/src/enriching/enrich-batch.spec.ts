import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { ChangeEventSchema, WindowBatchSchema } from '@deltastream/contracts';
import { decodeRecords } from '@deltastream/delta-codec';
import { compileTransforms, DeriveState } from '@deltastream/transforms';
import { batchRecords, enrichBatch, type StreamEnrichment } from './enrich-batch';

const T0 = Date.UTC(2026, 0, 1);

/** A window of these records, each carried as a Struct (`record`) or as JSON text (`record_json`). */
function windowOf(records: Record<string, unknown>[], format: 'struct' | 'json' = 'struct') {
  return create(WindowBatchSchema, {
    windowId: `sensors/${T0}/0/0`,
    stream: 'sensors',
    events: records.map((record, i) =>
      create(ChangeEventSchema, {
        stream: 'sensors',
        entityId: String(record['id']),
        version: String(i + 1),
        occurredAt: timestampFromMs(T0 + i * 1000),
        observedAt: timestampFromMs(T0 + i * 1000 + 50),
        ...(format === 'struct' ? { record: record as never } : { recordJson: JSON.stringify(record) }),
      }),
    ),
  });
}

const enrichment = (steps: readonly unknown[]): StreamEnrichment => ({ stream: 'sensors', transforms: compileTransforms(steps as never), entityKey: 'id' });

describe('enrichBatch', () => {
  it('applies the transforms, encodes the survivors losslessly and dead-letters failures without losing the rest', () => {
    const batch = windowOf([
      { id: 's1', temperature: '21.5', note: null, status: 'ok' },
      { id: 's2', temperature: 'hot', status: 'ok' },
      { id: 's3', temperature: '19', status: 'test' },
      { id: 's1', temperature: '22', status: 'ok' },
    ]);
    const steps = [{ type: 'dropEmpty' }, { type: 'coerce', fields: { temperature: 'number' } }, { type: 'filter', name: 'tests', drop: { field: 'status', op: 'eq', value: 'test' } }];
    const result = enrichBatch(batchRecords(batch).records, enrichment(steps), {});

    expect(decodeRecords(result.payload)).toEqual([
      { id: 's1', temperature: 21.5, status: 'ok' },
      { id: 's1', temperature: 22, status: 'ok' },
    ]);
    expect(result.eventCount).toBe(2);
    expect(result.dropped).toBe(1);
    expect(result.droppedBy).toEqual({ tests: 1 });
    expect(result.failures.map((f) => [f.index, f.entityId, f.stepType])).toEqual([[1, 's2', 'coerce']]);
    expect(result.failures[0]?.reason).toMatch(/temperature/);
    expect(result.minObservedAtMs).toBe(T0 + 50);
    expect(result.jsonBytes).toBe(Buffer.byteLength('{"id":"s1","temperature":21.5,"status":"ok"}\n{"id":"s1","temperature":22,"status":"ok"}\n'));
  });

  it('derives differences from the state the caller keeps across windows', () => {
    const steps = [{ type: 'derive', field: 'temperature', difference: 'delta' }];
    const derive = new DeriveState();
    enrichBatch(batchRecords(windowOf([{ id: 's1', temperature: 20 }])).records, enrichment(steps), { derive });
    const second = enrichBatch(batchRecords(windowOf([{ id: 's1', temperature: 21.5 }])).records, enrichment(steps), { derive });
    expect(decodeRecords(second.payload)).toEqual([{ id: 's1', temperature: 21.5, delta: 1.5 }]);
  });

  it('without transforms, any JSON records come back exactly as they went in', () => {
    const record = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'id' && k !== '__proto__'), fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)), { maxKeys: 6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), record), { minLength: 1, maxLength: 20 }), (rows) => {
        const records = rows.map(([id, fields]) => ({ id, ...fields }));
        const result = enrichBatch(batchRecords(windowOf(records)).records, enrichment([]), {});
        // toEqual tells -0 from 0: the encoding keeps even that.
        expect(decodeRecords(result.payload)).toEqual(records);
        expect(result.failures).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('reads records from JSON text as from a Struct: the same payload and the same size metric, with or without transforms', () => {
    const record = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'id'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    const steps = fc.constantFrom([], [{ type: 'dropEmpty' }], [{ type: 'rename', fields: { a: 'b' } }]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), record), { minLength: 1, maxLength: 20 }), steps, (rows, list) => {
        // What JSON text can hold (JSON.stringify writes -0 as 0), as a Struct would carry it.
        const records = JSON.parse(JSON.stringify(rows.map(([id, fields]) => ({ ...fields, id })))) as Record<string, unknown>[];
        const fromStruct = enrichBatch(batchRecords(windowOf(records)).records, enrichment(list), {});
        const fromText = enrichBatch(batchRecords(windowOf(records, 'json')).records, enrichment(list), {});
        expect(fromText.payload).toEqual(fromStruct.payload);
        expect(fromText.jsonBytes).toBe(fromStruct.jsonBytes);
        expect(fromText.failures.map((f) => f.index)).toEqual(fromStruct.failures.map((f) => f.index));
      }),
      { numRuns: 200 },
    );
  });

  it('sets apart events whose JSON text is not one object, or that carry both forms; the others go on', () => {
    const batch = windowOf([{ id: 's1', t: 1 }, { id: 's2' }, { id: 's3' }, { id: 's4' }, { id: 's5', t: 5 }], 'json');
    const events = batch.events;
    events[1] = { ...events[1], recordJson: '{"id":"s2",' } as (typeof events)[number];
    events[2] = { ...events[2], recordJson: '[1,2]' } as (typeof events)[number];
    events[3] = { ...events[3], record: { id: 's4' } } as (typeof events)[number];
    const { records, unreadable } = batchRecords(batch);
    expect(records.map((r) => [r.index, r.record])).toEqual([
      [0, { id: 's1', t: 1 }],
      [4, { id: 's5', t: 5 }],
    ]);
    expect(unreadable.map((u) => [u.index, u.entityId])).toEqual([
      [1, 's2'],
      [2, 's3'],
      [3, 's4'],
    ]);
    expect(unreadable[0]?.reason).toMatch(/^record_json is not JSON: /);
    expect(unreadable[1]?.reason).toBe('record_json is not a JSON object but an array');
    expect(unreadable[2]?.reason).toBe('both record and record_json are set (at most one may be)');
  });
});
