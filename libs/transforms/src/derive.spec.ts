import { DeriveState } from './derive-state';
import type { JsonObject } from './json';
import { compileTransforms, TransformContextError, type TransformInput } from './pipeline';
import type { TransformStepInput } from './schema';

const at = (entityId: string, record: JsonObject, occurredAtMs?: number, observedAtMs = 0): TransformInput => ({ entityId, record, occurredAtMs, observedAtMs });

function deriver(step: Omit<Extract<TransformStepInput, { type: 'derive' }>, 'type'>, more: TransformStepInput[] = []) {
  const transforms = compileTransforms([{ type: 'derive', ...step }, ...more]);
  return (state: DeriveState, inputs: TransformInput[]) => transforms.apply(inputs, { derive: state });
}

describe('derive', () => {
  const temperature = deriver({ field: 't', difference: 'dt', rate: { as: 't_per_s' } });

  it('gives the first record of an entity nothing, then difference and rate against the previous value', () => {
    const state = new DeriveState();
    const result = temperature(state, [at('a', { t: 20 }, 1_000), at('a', { t: 21 }, 3_000), at('b', { t: 5 }, 3_000), at('a', { t: 19.5 }, 4_000)]);
    expect(result.records.map((r) => r.record)).toEqual([
      { t: 20 },
      { t: 21, dt: 1, t_per_s: 0.5 },
      { t: 5 },
      { t: 19.5, dt: -1.5, t_per_s: -1.5 },
    ]);
  });

  it('carries previous values across batches through the caller-owned state, and forgets them on clear', () => {
    const state = new DeriveState();
    temperature(state, [at('a', { t: 10 }, 0)]);
    expect(temperature(state, [at('a', { t: 13 }, 60_000)]).records[0]?.record).toEqual({ t: 13, dt: 3, t_per_s: 0.05 });
    expect(state.size).toBe(1);
    state.clear(); // partition revoked
    expect(temperature(state, [at('a', { t: 14 }, 61_000)]).records[0]?.record).toEqual({ t: 14 });
    expect(temperature(new DeriveState(), [at('a', { t: 15 }, 62_000)]).records[0]?.record).toEqual({ t: 15 });
    expect(state.forget('a')).toBe(true);
    expect(temperature(state, [at('a', { t: 16 }, 63_000)]).records[0]?.record).toEqual({ t: 16 });
  });

  it('reads time from occurredAt (else observedAt), observedAt, or a record field, per second/minute/hour', () => {
    const run = (rate: object, inputs: TransformInput[]) =>
      deriver({ field: 'v', rate: rate as never })(new DeriveState(), inputs).records.map((r) => r.record.r);
    expect(run({ as: 'r' }, [at('a', { v: 0 }, undefined, 1_000), at('a', { v: 10 }, undefined, 6_000)])).toEqual([undefined, 2]);
    expect(run({ as: 'r', time: 'observedAt' }, [at('a', { v: 0 }, 0, 0), at('a', { v: 10 }, 999_999, 10_000)])).toEqual([undefined, 1]);
    expect(run({ as: 'r', per: 'minute', time: 'ts' }, [at('a', { v: 0, ts: '2026-01-01T00:00:00Z' }), at('a', { v: 3, ts: '2026-01-01T00:00:30Z' })])).toEqual([undefined, 6]);
    expect(run({ as: 'r', per: 'hour', time: { field: 'occurredAt' } }, [at('a', { v: 0, occurredAt: 0 }), at('a', { v: 1, occurredAt: 1_800_000 })])).toEqual([undefined, 2]);
    expect(run({ as: 'r', time: 'meta.ts' }, [at('a', { v: 0, meta: { ts: 0 } }), at('a', { v: 1, meta: { ts: 500 } })])).toEqual([undefined, 2]);
  });

  it('writes no rate when time does not move forward or is unknown, but still the difference', () => {
    const state = new DeriveState();
    const result = temperature(state, [at('a', { t: 1 }, 5_000), at('a', { t: 2 }, 5_000), at('a', { t: 4 }, 4_000)]);
    expect(result.records.map((r) => r.record)).toEqual([{ t: 1 }, { t: 2, dt: 1 }, { t: 4, dt: 2 }]);
    const byField = deriver({ field: 't', difference: 'd', rate: { as: 'r', time: 'ts' } });
    expect(byField(new DeriveState(), [at('a', { t: 1 }), at('a', { t: 2, ts: 5 })]).records.map((r) => r.record)).toEqual([{ t: 1 }, { t: 2, ts: 5, d: 1 }]);
  });

  it('leaves records whose field is not a number untouched, keeping the previous value', () => {
    const state = new DeriveState();
    const result = temperature(state, [at('a', { t: 1 }, 0), at('a', { t: 'n/a' }, 1_000), at('a', { other: 1 }, 1_500), at('a', { t: null }, 1_800), at('a', { t: 3 }, 2_000)]);
    expect(result.records.map((r) => r.record)).toEqual([{ t: 1 }, { t: 'n/a' }, { other: 1 }, { t: null }, { t: 3, dt: 2, t_per_s: 1 }]);
  });

  it('rounds to the configured decimals, and writes nested targets', () => {
    const rounded = deriver({ field: 'x.v', difference: 'x.d', decimals: 2 });
    const result = rounded(new DeriveState(), [at('a', { x: { v: 21.1 } }), at('a', { x: { v: 21.3 } }), at('a', { x: { v: 21.3 } })]);
    expect(result.records.map((r) => r.record)).toEqual([{ x: { v: 21.1 } }, { x: { v: 21.3, d: 0.2 } }, { x: { v: 21.3, d: 0 } }]);
    expect(Object.is(result.records[2]?.record.x && (result.records[2].record.x as JsonObject).d, 0)).toBe(true);
  });

  it('keeps one previous value per derive step', () => {
    const two = deriver({ field: 'a', difference: 'da' }, [{ type: 'derive', field: 'b', difference: 'db' }]);
    const state = new DeriveState();
    const result = two(state, [at('e', { a: 1, b: 100 }), at('e', { a: 2 }), at('e', { a: 3, b: 50 })]);
    expect(result.records.map((r) => r.record)).toEqual([{ a: 1, b: 100 }, { a: 2, da: 1 }, { a: 3, b: 50, da: 1, db: -50 }]);
  });

  it('does not remember the value of a record that fails a later step (it is dead-lettered)', () => {
    const failing = deriver({ field: 't', difference: 'dt' }, [{ type: 'coerce', fields: { status: 'integer' } }]);
    const state = new DeriveState();
    const result = failing(state, [at('a', { t: 1 }), at('a', { t: 100, status: 'broken' }), at('a', { t: 2 })]);
    expect(result.errors.map((e) => e.index)).toEqual([1]);
    expect(result.records.map((r) => r.record)).toEqual([{ t: 1 }, { t: 2, dt: 1 }]);
  });

  it('does remember the value of a record a later filter drops (the step saw it)', () => {
    const filtered = deriver({ field: 't', difference: 'dt' }, [{ type: 'filter', drop: { field: 'test', op: 'eq', value: true } }]);
    const state = new DeriveState();
    const result = filtered(state, [at('a', { t: 1 }), at('a', { t: 5, test: true }), at('a', { t: 6 })]);
    expect(result.records.map((r) => r.record)).toEqual([{ t: 1 }, { t: 6, dt: 1 }]);
  });

  it('fails the record when the result is not a finite number or cannot be written', () => {
    const state = new DeriveState();
    const result = temperature(state, [at('a', { t: -1e308 }, 0), at('a', { t: 1e308 }, 1)]);
    expect(result.errors.map((e) => e.reason)).toEqual(['step 0 (derive): "dt" would be Infinity']);
    const blocked = deriver({ field: 't', difference: 'x.d' })(new DeriveState(), [at('a', { t: 1, x: 1 }), at('a', { t: 2, x: 1 })]);
    expect(blocked.errors.map((e) => e.reason)).toEqual(['step 0 (derive): cannot write "x.d": "x" is 1, not an object']);
  });

  it('needs a DeriveState in the context (a wiring error, thrown before anything happens)', () => {
    expect(() => compileTransforms([{ type: 'derive', field: 't', difference: 'd' }]).apply([at('a', { t: 1 })])).toThrow(TransformContextError);
    expect(compileTransforms([{ type: 'derive', field: 't', difference: 'd' }]).needsDeriveState).toBe(true);
    expect(compileTransforms([{ type: 'dropEmpty' }]).needsDeriveState).toBe(false);
  });
});

describe('DeriveState bound', () => {
  const difference = deriver({ field: 'v', difference: 'd' });

  it('forgets the least recently updated entity past maxEntities', () => {
    const state = new DeriveState({ maxEntities: 2 });
    difference(state, [at('a', { v: 1 }), at('b', { v: 1 }), at('a', { v: 2 }), at('c', { v: 1 })]); // b is the oldest now
    expect(state.size).toBe(2);
    expect(state.evictions).toBe(1);
    const next = difference(state, [at('a', { v: 3 }), at('c', { v: 2 }), at('b', { v: 5 })]); // b is new again, evicts a
    expect(next.records.map((r) => r.record)).toEqual([{ v: 3, d: 1 }, { v: 2, d: 1 }, { v: 5 }]);
    expect(state.evictions).toBe(2);
    expect(difference(state, [at('a', { v: 4 })]).records[0]?.record).toEqual({ v: 4 });
  });

  it('defaults to 100 000 entities and refuses a nonsensical bound', () => {
    expect(new DeriveState().maxEntities).toBe(100_000);
    expect(() => new DeriveState({ maxEntities: 0 })).toThrow(RangeError);
    expect(() => new DeriveState({ maxEntities: 1.5 })).toThrow(RangeError);
  });

  it('lists entities least recently updated first, so replaying them through update rebuilds the same state', () => {
    const state = new DeriveState({ maxEntities: 2 });
    difference(state, [at('a', { v: 1 }), at('b', { v: 2 }), at('a', { v: 3 })]);
    expect([...state.entries()]).toEqual([
      ['b', [{ value: 2, timeMs: undefined }]],
      ['a', [{ value: 3, timeMs: undefined }]],
    ]);
    const copy = new DeriveState({ maxEntities: 2 });
    for (const [id, points] of state.entries()) copy.update(id, points.flatMap((p, slot) => (p ? [[slot, p] as const] : [])));
    // Same previous values and the same eviction order: c evicts b in both.
    const next = (s: DeriveState) => difference(s, [at('c', { v: 0 }), at('a', { v: 4 }), at('b', { v: 4 })]).records.map((r) => r.record);
    expect(next(copy)).toEqual([{ v: 0 }, { v: 4, d: 1 }, { v: 4 }]);
    expect(next(state)).toEqual([{ v: 0 }, { v: 4, d: 1 }, { v: 4 }]);
  });
});
