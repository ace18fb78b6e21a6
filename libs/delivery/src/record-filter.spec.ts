import { Codec } from '@deltastream/contracts';
import fc from 'fast-check';
import { wantsCodec } from './codec-choice';
import { compileRecordFilter } from './record-filter';

const records = [
  { id: 'a', temp: 20, humidity: 40, site: 'x' },
  { id: 7, temp: 21, humidity: 41 },
  { id: 'b', temp: 22 },
  'not a record',
  null,
  { temp: 23 },
];

describe('compileRecordFilter', () => {
  it('returns the records untouched when nothing is filtered', () => {
    const filter = compileRecordFilter({ entityIdField: 'id', entities: [], fields: [] });
    expect(filter(records)).toBe(records);
  });

  it('keeps only the requested entities, numeric ids compared as text', () => {
    const filter = compileRecordFilter({ entityIdField: 'id', entities: ['a', '7'] });
    expect(filter(records)).toEqual([records[0], records[1]]);
  });

  it('projects the requested fields and always keeps the entity id', () => {
    const filter = compileRecordFilter({ entityIdField: 'id', fields: ['temp', 'missing'] });
    expect(filter(records)).toEqual([
      { id: 'a', temp: 20 },
      { id: 7, temp: 21 },
      { id: 'b', temp: 22 },
      { temp: 23 },
    ]);
  });

  it('filters and projects together', () => {
    const filter = compileRecordFilter({ entityIdField: 'id', entities: ['b'], fields: ['humidity'] });
    expect(filter(records)).toEqual([{ id: 'b' }]);
  });

  it('cannot reach a prototype through a field name', () => {
    const hostile = JSON.parse('[{"id":"a","__proto__":{"polluted":true},"constructor":1}]') as unknown[];
    const projected = compileRecordFilter({ entityIdField: 'id', fields: ['__proto__', 'constructor'] })(hostile);
    expect(JSON.stringify(projected)).toBe('[{"id":"a","__proto__":{"polluted":true},"constructor":1}]');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps exactly the matching records, each a subset of its original (property)', () => {
    const record = fc.record({ id: fc.constantFrom('a', 'b', 'c', 1, 2), v: fc.integer(), w: fc.string() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(record), fc.subarray(['a', 'b', '1']), fc.subarray(['v', 'w']), (input, entities, fields) => {
        const output = compileRecordFilter({ entityIdField: 'id', entities, fields })(input);
        const expected = input.filter((r) => entities.length === 0 || (r.id !== undefined && entities.includes(String(r.id))));
        expect(output).toHaveLength(expected.length);
        output.forEach((projected, i) => {
          for (const [key, value] of Object.entries(projected as object)) expect((expected[i] as Record<string, unknown>)[key]).toBe(value);
        });
      }),
    );
  });
});

describe('wantsCodec', () => {
  it('sends the primary payload to clients that decode its codec', () => {
    expect(wantsCodec([Codec.ZSTD, Codec.GZIP], Codec.ZSTD, Codec.GZIP)).toBe('primary');
  });

  it('sends the fallback to clients that do not', () => {
    expect(wantsCodec([Codec.GZIP], Codec.ZSTD, Codec.GZIP)).toBe('fallback');
    // Not saying means only the universal codecs.
    expect(wantsCodec([], Codec.BROTLI, Codec.GZIP)).toBe('fallback');
    // The fallback is universal, so it is sent even if the client did not list it.
    expect(wantsCodec([Codec.LZ4], Codec.ZSTD, Codec.GZIP)).toBe('fallback');
  });

  it('sends the primary when it is universal or there is no fallback', () => {
    expect(wantsCodec([], Codec.GZIP, undefined)).toBe('primary');
    expect(wantsCodec([], Codec.NONE, undefined)).toBe('primary');
    expect(wantsCodec([], Codec.ZSTD, undefined)).toBe('primary');
    expect(wantsCodec([], Codec.ZSTD, Codec.UNSPECIFIED)).toBe('primary');
  });
});

describe('compileRecordFilter with nested and composite ids', () => {
  const flights = [
    { carrier: 'UA', flight: 1545, plane: { tail: 'N14228' }, dep: 517 },
    { carrier: 'AA', flight: 1141, plane: { tail: 'N619AA' }, dep: 542 },
  ];

  it('filters by the id the ingestor gave the change (parts joined with ":") and keeps the id fields when projecting', () => {
    const filter = compileRecordFilter({ entityIdField: ['carrier', 'flight'], entities: ['UA:1545'], fields: ['dep'] });
    expect(filter(flights)).toEqual([{ carrier: 'UA', flight: 1545, dep: 517 }]);
  });

  it('filters by a nested id path, keeping the top-level field it lives in', () => {
    const filter = compileRecordFilter({ entityIdField: 'plane.tail', entities: ['N619AA'], fields: ['dep'] });
    expect(filter(flights)).toEqual([{ plane: { tail: 'N619AA' }, dep: 542 }]);
  });
});
