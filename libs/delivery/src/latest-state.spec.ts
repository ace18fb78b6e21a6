import fc from 'fast-check';
import { LatestState } from './latest-state';

describe('LatestState', () => {
  it('keeps the latest record per entity, merging partial updates in seq order', () => {
    const state = new LatestState({ entityIdField: 'id', maxEntities: 10 });
    expect(state.apply(1, [{ id: 'a', temp: 20, site: 'x' }, { id: 'b', temp: 30 }])).toBe('applied');
    expect(state.apply(2, [{ id: 'a', temp: 21 }])).toBe('applied');
    expect(state.snapshot()).toEqual({
      asOfSeq: 2,
      records: [
        { id: 'b', temp: 30 },
        { id: 'a', temp: 21, site: 'x' },
      ],
    });
  });

  it('replaces whole records when asked to', () => {
    const state = new LatestState({ entityIdField: 'id', maxEntities: 10, merge: 'replace' });
    state.apply(1, [{ id: 'a', temp: 20, site: 'x' }]);
    state.apply(2, [{ id: 'a', temp: 21 }]);
    expect(state.snapshot().records).toEqual([{ id: 'a', temp: 21 }]);
  });

  it('ignores frames it already reflects and reports frames it never saw', () => {
    const state = new LatestState({ entityIdField: 'id', maxEntities: 10 });
    expect(state.firstSeq).toBeUndefined();
    expect(state.apply(5, [{ id: 'a', v: 5 }])).toBe('applied');
    expect(state.firstSeq).toBe(5);
    expect(state.apply(5, [{ id: 'a', v: 99 }])).toBe('duplicate');
    expect(state.apply(3, [{ id: 'a', v: 99 }])).toBe('duplicate');
    expect(state.apply(8, [{ id: 'a', v: 8 }])).toBe('applied-after-gap');
    expect(state.snapshot()).toEqual({ asOfSeq: 8, records: [{ id: 'a', v: 8 }] });
    expect(state.metrics()).toMatchObject({ missedFrames: 2 });
  });

  it('forgets the least recently updated entity beyond its bound', () => {
    const state = new LatestState({ entityIdField: 'id', maxEntities: 2 });
    state.apply(1, [{ id: 'a' }, { id: 'b' }]);
    state.apply(2, [{ id: 'a', v: 2 }]);
    state.apply(3, [{ id: 'c' }]);
    expect(state.snapshot().records.map((r) => r['id'])).toEqual(['a', 'c']);
    expect(state.metrics()).toMatchObject({ evictedEntities: 1 });
  });

  it('skips records it cannot key', () => {
    const state = new LatestState({ entityIdField: 'id', maxEntities: 2 });
    state.apply(1, [{ id: null }, 'text', { name: 'x' }, { id: 3, v: 1 }]);
    expect(state.snapshot().records).toEqual([{ id: 3, v: 1 }]);
    expect(state.metrics()).toMatchObject({ recordsWithoutId: 3 });
  });

  it('rejects a bound that is not a positive whole number', () => {
    expect(() => new LatestState({ entityIdField: 'id', maxEntities: 0 })).toThrow(RangeError);
  });

  it('equals replaying the frames into a plain map, within its bound (property)', () => {
    const update = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), v: fc.integer() });
    fc.assert(
      fc.property(fc.array(fc.array(update, { maxLength: 4 }), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), (frames, maxEntities) => {
        const state = new LatestState({ entityIdField: 'id', maxEntities, merge: 'replace' });
        const model = new Map<string, { id: string; v: number }>();
        frames.forEach((records, i) => {
          state.apply(i + 1, records);
          for (const record of records) {
            model.delete(record.id);
            model.set(record.id, record);
          }
        });
        const expected = [...model.values()].slice(-maxEntities);
        expect(state.snapshot()).toEqual({ asOfSeq: frames.length, records: expected });
        expect(state.size).toBeLessThanOrEqual(maxEntities);
      }),
    );
  });

  it('merges shallowly as spreading each update over the previous record would, key order included (property)', () => {
    const update = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer(), { maxKeys: 3 }), fc.boolean()).map(([id, fields, idFirst]) => (idFirst ? { id, ...fields } : { ...fields, id }));
    fc.assert(
      fc.property(fc.array(fc.array(update, { maxLength: 4 }), { maxLength: 20 }), (frames) => {
        const state = new LatestState({ entityIdField: 'id', maxEntities: 10 });
        const model = new Map<string, Record<string, unknown>>();
        frames.forEach((records, i) => {
          state.apply(i + 1, records);
          for (const record of records) {
            const previous = model.get(record.id);
            model.delete(record.id);
            model.set(record.id, previous ? { ...previous, ...record } : record);
          }
        });
        expect(JSON.stringify(state.snapshot().records)).toBe(JSON.stringify([...model.values()]));
      }),
    );
  });
});

describe('LatestState with a composite id', () => {
  it('keeps one entry per (carrier, flight), as the ingestor keyed the changes', () => {
    const state = new LatestState({ entityIdField: ['carrier', 'flight'], maxEntities: 10 });
    state.apply(1, [
      { carrier: 'UA', flight: 1, dep: 1 },
      { carrier: 'UA', flight: 2, dep: 2 },
    ]);
    state.apply(2, [{ carrier: 'UA', flight: 1, dep: 3 }, { carrier: 'UA' }]);
    expect(state.snapshot().records).toEqual([
      { carrier: 'UA', flight: 2, dep: 2 },
      { carrier: 'UA', flight: 1, dep: 3 },
    ]);
    expect(state.metrics().recordsWithoutId).toBe(1);
  });
});
