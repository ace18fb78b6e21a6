import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DeriveState } from './derive-state';
import { compileTransforms } from './pipeline';
import { parseTransforms, TransformConfigError, transformsSchema } from './schema';

/** The problems reported for a transforms list, as `path: message` lines. */
function problems(raw: unknown): string[] {
  try {
    parseTransforms(raw);
  } catch (error) {
    if (error instanceof TransformConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const example = `
- { type: dropEmpty, emptyCollections: true }
- { type: rename, fields: { temp: temperature, "loc.lat": latitude } }
- { type: coerce, fields: { temperature: number, battery: integer, online: boolean, reading_at: timestamp-ms, id: string } }
- { type: exclude, fields: [debug, location.raw] }
- { type: include, fields: [id, temperature, latitude, online, reading_at] }
- type: derive
  field: temperature
  difference: temperature_delta
  rate: { as: temperature_per_min, per: minute, time: reading_at }
  decimals: 3
- { type: join, hash: "ref:sensors", prefix: ref_, fields: [site, model] }
- type: filter
  name: test-devices
  drop:
    any:
      - { field: ref_site, op: eq, value: lab }
      - all:
          - { field: temperature, op: gt, value: 1000 }
          - { field: online, op: missing }
      - not: { field: id, op: exists }
      - { field: status, op: in, value: [retired, "decommissioned"] }
`;

describe('transformsSchema', () => {
  it('accepts the documented YAML shape of every step and fills defaults', () => {
    const steps = parseTransforms(parseYaml(example));
    expect(steps.map((step) => step.type)).toEqual(['dropEmpty', 'rename', 'coerce', 'exclude', 'include', 'derive', 'join', 'filter']);
    expect(steps[5]).toEqual({
      type: 'derive',
      field: 'temperature',
      difference: 'temperature_delta',
      rate: { as: 'temperature_per_min', per: 'minute', time: 'reading_at' },
      decimals: 3,
    });
    expect(steps[6]).toEqual({ type: 'join', hash: 'ref:sensors', prefix: 'ref_', fields: ['site', 'model'], overwrite: false });
    expect(parseTransforms([{ type: 'dropEmpty' }])).toEqual([{ type: 'dropEmpty', emptyCollections: false }]);
    expect(parseTransforms([{ type: 'derive', field: 't', rate: { as: 'r' } }])[0]).toEqual({
      type: 'derive',
      field: 't',
      rate: { as: 'r', per: 'second', time: 'occurredAt' },
    });
    expect(parseTransforms([{ type: 'join', hash: 'h' }])[0]).toEqual({ type: 'join', hash: 'h', prefix: '', overwrite: false });
  });

  it('defaults to no transforms, and re-parses its own output unchanged', () => {
    expect(transformsSchema.parse(undefined)).toEqual([]);
    const steps = parseTransforms(parseYaml(example));
    expect(parseTransforms(steps)).toEqual(steps);
  });

  it('names an unknown step type, a missing type and a non-object step', () => {
    expect(problems([{ type: 'dropEmpty' }, { type: 'uppercase', fields: ['a'] }])).toEqual([
      '1.type: unknown transform type "uppercase"; expected one of dropEmpty, include, exclude, rename, coerce, derive, join, filter',
    ]);
    expect(problems([{ fields: ['a'] }])).toEqual(['0.type: required: type, one of dropEmpty, include, exclude, rename, coerce, derive, join, filter']);
    expect(problems(['dropEmpty'])[0]).toMatch(/^0(\.type)?: a transform step is an object with a type/);
    expect(problems({ type: 'dropEmpty' })).toEqual(['(root): must be a list of transform steps']);
  });

  it('says which required settings are missing, with an example', () => {
    expect(problems([{ type: 'include' }])).toEqual(['0.fields: required: a list of fields, e.g. fields: [id, temperature]']);
    expect(problems([{ type: 'exclude', fields: [] }])).toEqual(['0.fields: list at least one field']);
    expect(problems([{ type: 'rename' }])).toEqual(['0.fields: required: a map, e.g. fields: { old_name: new_name }']);
    expect(problems([{ type: 'coerce', fields: {} }])).toEqual(['0.fields: list at least one field, e.g. fields: { temperature: number }']);
    expect(problems([{ type: 'join' }])).toEqual(['0.hash: required: the reference hash, e.g. hash: ref:sensors']);
    expect(problems([{ type: 'derive' }])).toEqual(expect.arrayContaining(['0.field: required']));
    expect(problems([{ type: 'derive', field: 't' }])).toEqual(['0: derive needs `difference: <field>`, `rate: { as: <field> }` or both']);
    expect(problems([{ type: 'filter' }])[0]).toMatch(/^0\.drop: required: a condition is \{ field, op, value\? \}/);
  });

  it('refuses bad values and unknown keys, reporting every problem with its path', () => {
    expect(
      problems([
        { type: 'coerce', fields: { t: 'float', '.x': 'number' } },
        { type: 'include', fields: ['a..b'] },
        { type: 'dropEmpty', emptyCollection: true },
        { type: 'rename', fields: { a: 'x', b: 'x' } },
        { type: 'derive', field: 't', difference: 'd', rate: { as: 'd', per: 'day' } },
      ]),
    ).toEqual([
      '0.fields.t: must be one of number, integer, string, boolean, timestamp-ms',
      '0.fields..x: ".x" is not a field name or dotted path',
      '1.fields.0: must be a field name or a dotted path like "location.lat" (no empty parts)',
      '2: Unrecognized key: "emptyCollection"',
      '3.fields.b: "b" and "a" are both renamed to "x"',
      '4.rate.per: Invalid option: expected one of "second"|"minute"|"hour"',
    ]);
  });

  it('checks filter conditions: one form, a known op, and a value that fits the op', () => {
    const drop = (condition: unknown) => problems([{ type: 'filter', drop: condition }]);
    expect(drop({ field: 'a', op: 'like', value: 'x' })).toEqual(['0.drop.op: must be one of eq, ne, lt, lte, gt, gte, in, exists, missing']);
    expect(drop({ field: 'a', op: 'eq' })).toEqual(['0.drop.value: eq needs a value (null is allowed)']);
    expect(drop({ field: 'a', op: 'gt', value: [1] })).toEqual(['0.drop.value: gt needs a number or string value']);
    expect(drop({ field: 'a', op: 'in', value: 'x' })).toEqual(['0.drop.value: in needs a list value, e.g. value: [a, b]']);
    expect(drop({ field: 'a', op: 'exists', value: true })).toEqual(['0.drop.value: exists takes no value']);
    expect(drop({ op: 'exists' })).toEqual(['0.drop.field: required']);
    expect(drop({ field: 'a' })).toEqual(['0.drop.op: required: one of eq, ne, lt, lte, gt, gte, in, exists, missing']);
    expect(drop({ all: [] })).toEqual(['0.drop.all: list at least one condition']);
    expect(drop({ any: [{ field: 'a', op: 'eq', value: 1 }], field: 'b', op: 'exists' })).toEqual([
      '0.drop: a condition is { field, op, value? }, { all: [...] }, { any: [...] } or { not: {...} }; exactly one of them',
    ]);
    expect(drop({ all: [{ field: 'a', op: 'eq', value: 1 }, { not: { field: 'b', op: 'lt' } }] })).toEqual([
      '0.drop.all.1.not.value: lt needs a number or string value',
    ]);
    expect(parseTransforms([{ type: 'filter', drop: { field: 'a', op: 'eq', value: null } }])).toHaveLength(1);
  });

  it('accepts the README example, which does what the README says', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    const suite = parseYaml(yaml ?? '') as { streams: Array<{ transforms: unknown }> };
    const transforms = compileTransforms(parseTransforms(suite.streams[0]?.transforms));
    const references = new Map([['ref:sensors', new Map([['s1', { site: 'roof', model: 'T1', owner: 'x' }]])]]);
    const derive = new DeriveState();
    const event = (record: object, occurredAtMs: number) => ({ entityId: 's1', occurredAtMs, observedAtMs: occurredAtMs, record: record as never });
    const result = transforms.apply(
      [
        event({ id: 's1', temp: '20.5', loc: { lat: 1 }, online: 'yes', battery: '90', reading_at: '2026-01-01T00:00:00Z', debug: 1, note: '' }, 0),
        event({ id: 's1', temp: '21', status: 'test' }, 30_000),
        event({ id: 's1', temp: '22' }, 60_000),
        event({ id: 's1', temp: 'hot' }, 90_000),
      ],
      { derive, references },
    );
    expect(result.records.map((r) => r.record)).toEqual([
      { id: 's1', temperature: 20.5, latitude: 1, online: true, reading_at: Date.UTC(2026, 0, 1), ref_site: 'roof', ref_model: 'T1' },
      { id: 's1', temperature: 22, temperature_delta: 1, temperature_per_min: 2, ref_site: 'roof', ref_model: 'T1' },
    ]);
    expect(result.droppedBy).toEqual({ 'lab-devices': 1 });
    expect(result.errors.map((e) => e.reason)).toEqual(['step 2 (coerce): "temperature" is "hot", which cannot be coerced to number']);
  });

  it('is enforced by compileTransforms too', () => {
    expect(() => compileTransforms([{ type: 'nope' } as never])).toThrow(TransformConfigError);
    expect(() => compileTransforms([{ type: 'nope' } as never])).toThrow(/unknown transform type "nope"/);
  });
});
