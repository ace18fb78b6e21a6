import type { CoerceTarget } from './coerce';
import type { JsonObject } from './json';
import { compileTransforms } from './pipeline';
import type { ReferenceRow } from './reference';
import type { Condition } from './schema';
import { inputsOf, run, runOne } from './spec-helpers';

describe('dropEmpty', () => {
  it('removes null and empty-string fields, at any depth, and keeps 0, false and blanks', () => {
    expect(runOne([{ type: 'dropEmpty' }], { a: null, b: '', c: 0, d: false, e: ' ', f: { g: null, h: 1 }, i: [null, ''], j: [], k: {} })).toEqual({
      c: 0,
      d: false,
      e: ' ',
      f: { h: 1 },
      i: [null, ''], // array elements are positional: left alone
      j: [],
      k: {},
    });
  });

  it('with emptyCollections also removes empty arrays and objects, including those it emptied', () => {
    expect(runOne([{ type: 'dropEmpty', emptyCollections: true }], { a: [], b: {}, c: { d: { e: null } }, f: [0], g: { h: '' , i: 'x' } })).toEqual({
      f: [0],
      g: { i: 'x' },
    });
  });

  it('returns the very same record when there is nothing to drop', () => {
    const record = { a: 1, b: { c: 'x' } };
    expect(runOne([{ type: 'dropEmpty', emptyCollections: true }], record)).toBe(record);
  });
});

describe('include', () => {
  it('keeps only the listed fields, in the record order, with dotted paths into objects', () => {
    const record = { z: 1, id: 's1', location: { lat: 1.5, lon: 2.5 }, temperature: 20, debug: 'x' };
    expect(runOne([{ type: 'include', fields: ['temperature', 'id', 'location.lat', 'absent', 'id.nested'] }], record)).toEqual({
      id: 's1',
      location: { lat: 1.5 },
      temperature: 20,
    });
    expect(Object.keys(runOne([{ type: 'include', fields: ['temperature', 'id'] }], record) ?? {})).toEqual(['id', 'temperature']);
  });

  it('lets a whole field win over its parts, and does not create empty parents', () => {
    expect(runOne([{ type: 'include', fields: ['a.b', 'a', 'c.d'] }], { a: { b: 1, x: 2 }, c: { e: 3 }, k: 1 })).toEqual({ a: { b: 1, x: 2 } });
  });

  it('passes a record with none of the fields through untouched (another shape)', () => {
    const record = { kind: 'heartbeat', at: 5 };
    expect(runOne([{ type: 'include', fields: ['temperature'] }], record)).toBe(record);
  });
});

describe('exclude', () => {
  it('removes the listed fields and nested paths; absent ones are ignored', () => {
    expect(runOne([{ type: 'exclude', fields: ['debug', 'location.raw', 'nope', 'id.x'] }], { id: 's', debug: 1, location: { raw: 'r', lat: 1 } })).toEqual({
      id: 's',
      location: { lat: 1 },
    });
  });

  it('returns the same record when none of the fields is there', () => {
    const record = { a: 1 };
    expect(runOne([{ type: 'exclude', fields: ['b', 'a.c'] }], record)).toBe(record);
  });
});

describe('rename', () => {
  it('renames top-level fields in place (key order kept) and replaces an existing target', () => {
    const renamed = runOne([{ type: 'rename', fields: { temp: 'temperature', hum: 'humidity' } }], { id: 1, temp: 20, humidity: 'old', hum: 40, x: 0 });
    expect(renamed).toEqual({ id: 1, temperature: 20, humidity: 40, x: 0 });
    expect(Object.keys(renamed ?? {})).toEqual(['id', 'temperature', 'humidity', 'x']);
  });

  it('renames all at once, so a map can swap two fields', () => {
    expect(runOne([{ type: 'rename', fields: { a: 'b', b: 'a' } }], { a: 1, b: 2 })).toEqual({ a: 2, b: 1 });
    expect(runOne([{ type: 'rename', fields: { a: 'b', b: 'c' } }], { a: 1 })).toEqual({ b: 1 });
  });

  it('moves values between nested paths, creating parents', () => {
    expect(runOne([{ type: 'rename', fields: { 'loc.lat': 'latitude', lon: 'geo.lon' } }], { loc: { lat: 1, alt: 3 }, lon: 2 })).toEqual({
      loc: { alt: 3 },
      latitude: 1,
      geo: { lon: 2 },
    });
  });

  it('leaves a record without the source fields untouched', () => {
    const record = { other: 1 };
    expect(runOne([{ type: 'rename', fields: { a: 'b' } }], record)).toBe(record);
    expect(runOne([{ type: 'rename', fields: { 'x.y': 'z' } }], record)).toBe(record);
  });

  it('fails the record when the target goes through a non-object', () => {
    const result = compileTransforms([{ type: 'rename', fields: { a: 'b.c' } }]).apply(inputsOf([{ a: 1, b: 5 }]));
    expect(result.errors[0]?.reason).toBe('step 0 (rename): cannot write "b.c": "b" is 5, not an object');
  });
});

describe('coerce', () => {
  it('converts present fields, nested ones included, and leaves absent and null fields alone', () => {
    expect(
      runOne([{ type: 'coerce', fields: { t: 'number', n: 'integer', s: 'string', b: 'boolean', at: 'timestamp-ms', 'm.v': 'number', gone: 'number', nil: 'number' } }], {
        t: ' 21.5 ',
        n: '42',
        s: 7,
        b: 'YES',
        at: '2026-01-01T00:00:01.5Z',
        m: { v: '1e3' },
        nil: null,
      }),
    ).toEqual({ t: 21.5, n: 42, s: '7', b: true, at: Date.UTC(2026, 0, 1, 0, 0, 1, 500), m: { v: 1000 }, nil: null });
  });

  it('returns the same record when every value already has its type', () => {
    const record = { t: 1, s: 'x' };
    expect(runOne([{ type: 'coerce', fields: { t: 'number', s: 'string' } }], record)).toBe(record);
  });

  it('fails only the record whose value cannot be converted, saying which field and why', () => {
    const result = compileTransforms([{ type: 'coerce', fields: { temperature: 'number' } }]).apply(
      inputsOf([{ temperature: '20' }, { temperature: 'abc' }, { temperature: { c: 1 } }, { humidity: 1 }]),
    );
    expect(result.records.map((r) => [r.index, r.record])).toEqual([
      [0, { temperature: 20 }],
      [3, { humidity: 1 }],
    ]);
    expect(result.errors).toEqual([
      expect.objectContaining({ index: 1, entityId: 'e1', step: 0, stepType: 'coerce', reason: 'step 0 (coerce): "temperature" is "abc", which cannot be coerced to number', record: { temperature: 'abc' } }),
      expect.objectContaining({ index: 2, reason: 'step 0 (coerce): "temperature" is an object, which cannot be coerced to number' }),
    ]);
  });
});

describe('join', () => {
  const rows = new Map<string, ReferenceRow>([
    ['s1', { site: 'lab', model: 'T1000', id: 'ref-id' }],
    ['s2', { site: 'roof' }],
  ]);
  const references = new Map([['ref:sensors', rows]]);
  const apply = (step: object, records: JsonObject[], ids: string[]) =>
    compileTransforms([{ type: 'join', hash: 'ref:sensors', ...step }])
      .apply(inputsOf(records, (i) => ids[i] as string), { references })
      .records.map((r) => r.record);

  it('adds the row of the entity, prefixed; a missing row leaves the record untouched', () => {
    const missing = { id: 's9' };
    const [hit, miss] = apply({ prefix: 'ref_' }, [{ id: 's1' }, missing], ['s1', 's9']);
    expect(hit).toEqual({ id: 's1', ref_site: 'lab', ref_model: 'T1000', ref_id: 'ref-id' });
    expect(miss).toBe(missing);
  });

  it('copies only the listed fields, and keeps the record value on a name clash unless overwrite', () => {
    expect(apply({ fields: ['site', 'id', 'absent'] }, [{ id: 's1' }], ['s1'])).toEqual([{ id: 's1', site: 'lab' }]);
    expect(apply({ fields: ['site', 'id'], overwrite: true }, [{ id: 's1' }], ['s1'])).toEqual([{ id: 'ref-id', site: 'lab' }]);
  });
});

describe('filter', () => {
  const records: JsonObject[] = [
    { n: 1, s: 'a', tag: null, o: { k: [1, 2] } },
    { n: 5, s: 'b', tag: 'x', o: { k: [1] } },
    { n: 10, s: 'c' },
    { m: 'other shape' },
  ];
  /** Indexes of the records the condition drops. */
  const dropped = (drop: Condition) =>
    records.map((_, i) => i).filter((i) => !compileTransforms([{ type: 'filter', drop }]).apply(inputsOf(records)).records.some((r) => r.index === i));

  it.each<[Condition, number[]]>([
    [{ field: 'n', op: 'eq', value: 5 }, [1]],
    [{ field: 'n', op: 'ne', value: 5 }, [0, 2]], // absent fields never compare
    [{ field: 'n', op: 'lt', value: 5 }, [0]],
    [{ field: 'n', op: 'lte', value: 5 }, [0, 1]],
    [{ field: 'n', op: 'gt', value: 5 }, [2]],
    [{ field: 'n', op: 'gte', value: 5 }, [1, 2]],
    [{ field: 's', op: 'gte', value: 'b' }, [1, 2]],
    [{ field: 'n', op: 'gt', value: '1' }, []], // no cross-type comparison
    [{ field: 's', op: 'in', value: ['a', 'c', 3] }, [0, 2]],
    [{ field: 'o.k', op: 'in', value: [[1, 2]] }, [0]],
    [{ field: 'o.k', op: 'eq', value: [1] }, [1]],
    [{ field: 'tag', op: 'eq', value: null }, [0]],
    [{ field: 'tag', op: 'exists' }, [1]],
    [{ field: 'tag', op: 'missing' }, [0, 2, 3]],
    [{ all: [{ field: 'n', op: 'gt', value: 1 }, { field: 's', op: 'ne', value: 'c' }] }, [1]],
    [{ any: [{ field: 'n', op: 'eq', value: 1 }, { field: 'm', op: 'exists' }] }, [0, 3]],
    [{ not: { field: 'n', op: 'exists' } }, [3]],
  ])('%j drops records %j', (drop, expected) => {
    expect(dropped(drop)).toEqual(expected);
  });

  it('counts the records it drops, per filter', () => {
    const result = compileTransforms([
      { type: 'filter', name: 'small', drop: { field: 'n', op: 'lt', value: 2 } },
      { type: 'filter', drop: { field: 'n', op: 'gt', value: 8 } },
      { type: 'filter', name: 'never', drop: { field: 'n', op: 'eq', value: -1 } },
    ]).apply(inputsOf(records));
    expect(result.records.map((r) => r.index)).toEqual([1, 3]);
    expect(result.dropped).toBe(2);
    expect(result.droppedBy).toEqual({ small: 1, 'filter#1': 1, never: 0 });
    expect(result.errors).toEqual([]);
  });
});

describe('field names that are Object.prototype properties', () => {
  it('treats __proto__ and constructor as ordinary keys, never touching a prototype', () => {
    const record = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "a": null}') as JsonObject;
    const out = runOne(
      [
        { type: 'dropEmpty' },
        { type: 'rename', fields: { constructor: 'toString' } },
        { type: 'coerce', fields: Object.fromEntries<CoerceTarget>([['toString', 'string'], ['hasOwnProperty', 'number']]) },
        { type: 'include', fields: ['__proto__', 'toString', 'valueOf'] },
      ],
      record,
    );
    expect(out !== undefined && Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"toString":"1"}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(run([{ type: 'filter', drop: { field: 'constructor', op: 'exists' } }], [{}])).toEqual([{}]);
  });
});
