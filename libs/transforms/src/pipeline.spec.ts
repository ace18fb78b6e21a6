import { DeriveState } from './derive-state';
import type { JsonObject } from './json';
import { applyTransforms, compileTransforms, type TransformInput } from './pipeline';
import type { TransformStepInput } from './schema';
import { deepFreeze, inputsOf, run } from './spec-helpers';

describe('step order', () => {
  it('runs steps in the declared order', () => {
    const record = { temp: '20', debug: 1 };
    expect(run([{ type: 'rename', fields: { temp: 'temperature' } }, { type: 'include', fields: ['temperature'] }], [record])).toEqual([{ temperature: '20' }]);
    // include first: the record has no `temperature` yet, so it passes whole, then the rename applies.
    expect(run([{ type: 'include', fields: ['temperature'] }, { type: 'rename', fields: { temp: 'temperature' } }], [record])).toEqual([{ temperature: '20', debug: 1 }]);
  });

  it('filters on coerced values only when coerce comes first', () => {
    const records = [{ t: '50' }, { t: '5' }];
    const coerce: TransformStepInput = { type: 'coerce', fields: { t: 'number' } };
    const filter: TransformStepInput = { type: 'filter', drop: { field: 't', op: 'gt', value: 10 } };
    expect(run([coerce, filter], records)).toEqual([{ t: 5 }]);
    expect(run([filter, coerce], records)).toEqual([{ t: 50 }, { t: 5 }]); // strings never compare with numbers
  });

  it('chains a realistic sensor pipeline', () => {
    const transforms = compileTransforms([
      { type: 'dropEmpty', emptyCollections: true },
      { type: 'rename', fields: { temp: 'temperature', 'loc.lat': 'lat' } },
      { type: 'coerce', fields: { temperature: 'number', battery: 'integer' } },
      { type: 'exclude', fields: ['debug'] },
      { type: 'derive', field: 'temperature', difference: 'temperature_delta', rate: { as: 'temperature_per_min', per: 'minute' }, decimals: 2 },
      { type: 'join', hash: 'ref:sensors', prefix: 'ref_', fields: ['site'] },
      { type: 'filter', name: 'lab', drop: { field: 'ref_site', op: 'eq', value: 'lab' } },
    ]);
    const references = new Map([['ref:sensors', new Map([['s1', { site: 'roof' }], ['s2', { site: 'lab' }]])]]);
    const derive = new DeriveState();
    const inputs: TransformInput[] = [
      { entityId: 's1', occurredAtMs: 0, observedAtMs: 10, record: { id: 's1', temp: '20.5', battery: '97', loc: { lat: 1 }, debug: 'x', note: '' } },
      { entityId: 's2', occurredAtMs: 0, observedAtMs: 10, record: { id: 's2', temp: '18' } },
      { entityId: 's1', occurredAtMs: 30_000, observedAtMs: 30_010, record: { id: 's1', temp: 21.1, battery: 96, loc: {} } },
    ];
    const result = transforms.apply(inputs, { derive, references });
    expect(result.records.map((r) => [r.index, r.record])).toEqual([
      [0, { id: 's1', temperature: 20.5, battery: 97, loc: {}, lat: 1, ref_site: 'roof' }], // loc emptied after dropEmpty ran
      [2, { id: 's1', temperature: 21.1, battery: 96, temperature_delta: 0.6, temperature_per_min: 1.2, ref_site: 'roof' }],
    ]);
    expect(result).toMatchObject({ dropped: 1, droppedBy: { lab: 1 }, errors: [] });
  });
});

describe('error isolation', () => {
  const steps: TransformStepInput[] = [{ type: 'coerce', fields: { v: 'integer' } }, { type: 'filter', drop: { field: 'v', op: 'eq', value: 0 } }];

  it('dead-letters the failing records with their original content, and the rest continue in order', () => {
    const records: JsonObject[] = [{ v: '1' }, { v: 'x' }, { v: '0' }, { v: 2.5 }, { v: 3 }];
    const result = compileTransforms(steps).apply(inputsOf(records));
    expect(result.records.map((r) => [r.index, r.entityId, r.record])).toEqual([
      [0, 'e0', { v: 1 }],
      [4, 'e4', { v: 3 }],
    ]);
    expect(result.dropped).toBe(1);
    expect(result.errors.map((e) => [e.index, e.entityId, e.record, e.reason])).toEqual([
      [1, 'e1', { v: 'x' }, 'step 0 (coerce): "v" is "x", which cannot be coerced to integer'],
      [3, 'e3', { v: 2.5 }, 'step 0 (coerce): "v" is 2.5, which cannot be coerced to integer'],
    ]);
    expect(result.errors[0]?.record).toBe(records[1]);
  });

  it('dead-letters inputs whose record is not a JSON object (runtime data), without throwing', () => {
    const bad = [null, [1], 'text', 7].map((record, i) => ({ record, entityId: `b${i}`, observedAtMs: 0 }) as unknown as TransformInput);
    const result = compileTransforms(steps).apply([...bad, ...inputsOf([{ v: 1 }])]);
    expect(result.errors.map((e) => e.reason)).toEqual([
      'record is null, not a JSON object',
      'record is an array, not a JSON object',
      'record is string, not a JSON object',
      'record is number, not a JSON object',
    ]);
    expect(result.errors[0]).not.toHaveProperty('step');
    expect(result.records).toHaveLength(1);
  });

  it('turns an unexpected failure inside a step into a dead letter too', () => {
    let deep: JsonObject = {};
    for (let i = 0; i < 100_000; i += 1) deep = { a: deep, b: null };
    const result = compileTransforms([{ type: 'dropEmpty' }]).apply(inputsOf([deep, { ok: 1, no: null }]));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.reason).toMatch(/^step 0 \(dropEmpty\): unexpected RangeError/);
    expect(result.records.map((r) => r.record)).toEqual([{ ok: 1 }]);
  });
});

describe('apply', () => {
  it('passes the caller input through (with its own metadata) and never mutates it', () => {
    interface Event extends TransformInput {
      readonly offset: string;
    }
    const inputs: Event[] = deepFreeze([{ record: { a: null, b: { c: '1', d: '' } }, entityId: 'x', observedAtMs: 1, offset: '42' }]);
    const result = applyTransforms(inputs, [{ type: 'dropEmpty' }, { type: 'coerce', fields: { 'b.c': 'number' } }, { type: 'rename', fields: { 'b.c': 'c' } }]);
    expect(result.records[0]?.input.offset).toBe('42');
    expect(result.records[0]?.record).toEqual({ b: {}, c: 1 });
    expect(inputs[0]?.record).toEqual({ a: null, b: { c: '1', d: '' } });
  });

  it('with no steps returns every record as it is', () => {
    const records: JsonObject[] = [{ a: 1 }, { b: null }];
    const result = applyTransforms(inputsOf(records), []);
    expect(result.records.map((r) => r.record)).toEqual(records);
    expect(result.records[1]?.record).toBe(records[1]);
  });

  it('compiles a steps array once, and still validates raw config', () => {
    const steps: TransformStepInput[] = [{ type: 'include', fields: ['a'] }];
    expect(applyTransforms(inputsOf([{ a: 1, b: 2 }]), steps).records[0]?.record).toEqual({ a: 1 });
    steps.push({ type: 'exclude', fields: ['a'] }); // same array: the compiled version is reused
    expect(applyTransforms(inputsOf([{ a: 1, b: 2 }]), steps).records[0]?.record).toEqual({ a: 1 });
    expect(() => applyTransforms([], [{ type: 'include', fields: [] }])).toThrow(/fields: list at least one field/);
  });

  it('lists filter names for metrics', () => {
    expect(
      compileTransforms([
        { type: 'filter', drop: { field: 'a', op: 'exists' } },
        { type: 'dropEmpty' },
        { type: 'filter', name: 'tests', drop: { field: 'b', op: 'exists' } },
      ]).filterNames,
    ).toEqual(['filter#0', 'tests']);
  });
});
