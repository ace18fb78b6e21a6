import fc from 'fast-check';
import { coerceTargets } from './coerce';
import { DeriveState } from './derive-state';
import type { JsonObject, JsonValue } from './json';
import { compileTransforms, type TransformInput } from './pipeline';
import type { ReferenceRow } from './reference';
import type { Condition, TransformStepInput } from './schema';
import { deepFreeze, run } from './spec-helpers';

// Field names and paths drawn from a small pool, so steps actually meet the fields they name.
const keys = ['a', 'b', 'c', 'x', 'y', '', '__proto__', 'constructor'] as const;
const field = fc.constantFrom('a', 'b', 'c', 'x', 'a.b', 'a.c', 'b.a', 'x.y', 'x.y.a', '__proto__', 'constructor', 'a.__proto__');

const { json: jsonArb, object: objectArb } = fc.letrec<{ json: JsonValue; object: JsonObject }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<JsonValue>(null, '', 0, -0, 1.5, -3, true, false, 'x', ' 42 ', 'abc', '2026-01-01T00:00:00Z', 'yes', '1e3'),
    fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<JsonValue>,
    tie('object'),
    fc.array(tie('json'), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 3 })), tie('json'), { maxKeys: 5 }) as fc.Arbitrary<JsonObject>,
}));

const scalar = fc.constantFrom<JsonValue>(null, 0, 1.5, 'x', '', true, 'abc');
const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ field, op: fc.constantFrom('eq', 'ne'), value: jsonArb }) as fc.Arbitrary<Condition>,
    fc.record({ field, op: fc.constantFrom('lt', 'lte', 'gt', 'gte'), value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 2 })) }) as fc.Arbitrary<Condition>,
    fc.record({ field, op: fc.constant('in'), value: fc.array(fc.oneof(scalar, jsonArb), { maxLength: 3 }) }) as fc.Arbitrary<Condition>,
    fc.record({ field, op: fc.constantFrom('exists', 'missing') }) as fc.Arbitrary<Condition>,
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('condition') }),
  ),
})).condition;

// (Map keys exclude __proto__: zod drops that key from records, see the README.)
const mapKey = field.filter((name) => name !== '__proto__');
const fieldMap = <T>(value: fc.Arbitrary<T>) =>
  fc.uniqueArray(fc.tuple(mapKey, value), { minLength: 1, maxLength: 3, selector: ([from]) => from }).map((entries) => Object.fromEntries(entries) as Record<string, T>);

const dropEmptyArb = fc.record({ type: fc.constant('dropEmpty' as const), emptyCollections: fc.boolean() });
const includeArb = fc.record({ type: fc.constant('include' as const), fields: fc.uniqueArray(field, { minLength: 1, maxLength: 3 }) });
const excludeArb = fc.record({ type: fc.constant('exclude' as const), fields: fc.uniqueArray(field, { minLength: 1, maxLength: 3 }) });
const stepArb: fc.Arbitrary<TransformStepInput> = fc.oneof(
  dropEmptyArb,
  includeArb,
  excludeArb,
  fc
    .uniqueArray(fc.tuple(mapKey, field), { minLength: 1, maxLength: 3, selector: ([, to]) => to })
    .filter((pairs) => new Set(pairs.map(([from]) => from)).size === pairs.length)
    .map((pairs) => ({ type: 'rename' as const, fields: Object.fromEntries(pairs) })),
  fieldMap(fc.constantFrom(...coerceTargets)).map((fields) => ({ type: 'coerce' as const, fields })),
  fc
    .record(
      {
        field,
        difference: field,
        rate: fc.record({ as: field, per: fc.constantFrom('second' as const, 'minute' as const), time: fc.oneof(fc.constantFrom('occurredAt', 'observedAt'), field) }),
        decimals: fc.integer({ min: 0, max: 4 }),
      },
      { requiredKeys: ['field'] },
    )
    .filter((step) => (step.difference !== undefined || step.rate !== undefined) && step.difference !== step.rate?.as)
    .map((step) => ({ type: 'derive' as const, ...step })),
  fc.record(
    { type: fc.constant('join' as const), hash: fc.constantFrom('h1', 'h2'), prefix: fc.constantFrom('', 'r_'), fields: fc.uniqueArray(fc.constantFrom(...keys.filter((key) => key !== '')), { minLength: 1, maxLength: 3 }), overwrite: fc.boolean() },
    { requiredKeys: ['type', 'hash'] },
  ),
  fc.record({ type: fc.constant('filter' as const), drop: conditionArb }),
);

const entity = fc.constantFrom('e1', 'e2', 'e3');
const inputArb: fc.Arbitrary<TransformInput> = fc.record(
  { record: objectArb, entityId: entity, observedAtMs: fc.integer({ min: 0, max: 1e6 }), occurredAtMs: fc.integer({ min: 0, max: 1e6 }) },
  { requiredKeys: ['record', 'entityId', 'observedAtMs'] },
);
const referencesArb = fc
  .tuple(fc.dictionary(entity, objectArb as fc.Arbitrary<ReferenceRow>), fc.dictionary(entity, objectArb as fc.Arbitrary<ReferenceRow>))
  .map(([h1, h2]) => new Map([['h1', new Map(Object.entries(h1))], ['h2', new Map(Object.entries(h2))]]));

/** Plain JSON data: no undefined, no NaN/Infinity, only arrays and plain objects. */
function isJsonData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonData);
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isJsonData);
}

describe('properties', () => {
  it('never throw on arbitrary JSON, never mutate the inputs, and account for every record', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 6 }), fc.array(inputArb, { maxLength: 8 }), referencesArb, (steps, inputs, references) => {
        const transforms = compileTransforms(steps);
        const before = JSON.stringify(inputs);
        deepFreeze(inputs); // any write into an input throws, and would surface as an "unexpected" error
        for (const rows of references.values()) for (const row of rows.values()) deepFreeze(row);
        const derive = new DeriveState({ maxEntities: 2 });
        const first = transforms.apply(inputs, { derive, references });
        const second = transforms.apply(inputs, { derive, references }); // with derive state from the first
        expect(JSON.stringify(inputs)).toBe(before);
        for (const result of [first, second]) {
          expect(result.errors.filter((e) => e.reason.includes('unexpected'))).toEqual([]);
          expect(result.records.length + result.dropped + result.errors.length).toBe(inputs.length);
          const indexes = [...result.records.map((r) => r.index), ...result.errors.map((e) => e.index)];
          expect(new Set(indexes).size).toBe(indexes.length);
          expect(result.records.map((r) => r.index)).toEqual([...result.records.map((r) => r.index)].sort((a, b) => a - b));
          for (const r of result.records) expect(isJsonData(r.record)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('dropEmpty, include and exclude are idempotent (dropEmpty last when combined)', () => {
    fc.assert(
      fc.property(objectArb, fc.array(fc.oneof(includeArb, excludeArb), { maxLength: 3 }), fc.option(dropEmptyArb, { nil: undefined }), (record, steps, dropEmpty) => {
        const list: TransformStepInput[] = dropEmpty === undefined ? steps : [...steps, dropEmpty];
        const once = run(list, [record]);
        expect(run(list, once)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('dropEmpty leaves no null or empty string in any object, and no empty collection when asked', () => {
    const clean = (value: JsonValue, collections: boolean): boolean => {
      if (Array.isArray(value)) return value.every((item) => item === null || item === '' || clean(item, collections)); // arrays are positional
      if (value === null || typeof value !== 'object') return true;
      return Object.values(value).every(
        (v) => v !== null && v !== '' && !(collections && typeof v === 'object' && Object.keys(v).length === 0) && (Array.isArray(v) || clean(v, collections)),
      );
    };
    fc.assert(
      fc.property(objectArb, fc.boolean(), (record, emptyCollections) => {
        const [out] = run([{ type: 'dropEmpty', emptyCollections }], [record]);
        expect(clean(out as JsonObject, emptyCollections)).toBe(true);
      }),
    );
  });
});
