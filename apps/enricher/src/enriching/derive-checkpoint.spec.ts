import fc from 'fast-check';
import { compileTransforms, DeriveState } from '@deltastream/transforms';
import { checkpointDeriveStates, deriveFingerprint, restoreDeriveStates } from './derive-checkpoint';

const slotPoint = fc.option(fc.record({ value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)), timeMs: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }) }), { nil: undefined });

function stateOf(entities: ReadonlyArray<readonly [string, ReadonlyArray<{ value: number; timeMs: number | undefined } | undefined>]>): DeriveState {
  const state = new DeriveState();
  for (const [id, points] of entities) state.update(id, points.flatMap((p, slot) => (p ? [[slot, p] as const] : [])));
  return state;
}

const snapshot = (state: DeriveState | undefined) => [...(state?.entries() ?? [])].map(([id, points]) => [id, [...points]]);

describe('derive checkpoint', () => {
  it('restores exactly the state it checkpointed, entity order (LRU) included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.array(slotPoint, { minLength: 1, maxLength: 3 })), { maxLength: 30 }), (entities) => {
        const state = stateOf(entities);
        const { metadata, skipped } = checkpointDeriveStates(new Map([['s', { fingerprint: 'fp', state }]]), 1_000_000);
        expect(skipped).toEqual([]);
        const restored = restoreDeriveStates(metadata, new Map([['s', 'fp']]), 100_000);
        expect(restored.problems).toEqual([]);
        expect(snapshot(restored.states.get('s'))).toEqual(snapshot(state));
      }),
      { numRuns: 200 },
    );
  });

  it('stays within the byte budget, leaving out (and naming) streams that do not fit', () => {
    const small = stateOf([['a', [{ value: 1.5, timeMs: 10 }]]]);
    const large = stateOf(Array.from({ length: 200 }, (_, i) => [`sensor-${i}`, [{ value: 20 + i / 10, timeMs: 1_767_225_600_000 + i }]] as const));
    const { metadata, skipped } = checkpointDeriveStates(
      new Map([
        ['large', { fingerprint: 'x', state: large }],
        ['small', { fingerprint: 'y', state: small }],
      ]),
      4000,
    );
    expect(skipped).toEqual(['large']);
    expect(Buffer.byteLength(metadata)).toBeLessThanOrEqual(4000);
    const restored = restoreDeriveStates(metadata, new Map([['large', 'x'], ['small', 'y']]), 100);
    expect(snapshot(restored.states.get('small'))).toEqual([['a', [{ value: 1.5, timeMs: 10 }]]]);
    expect(restored.states.has('large')).toBe(false);
  });

  it('commits nothing for empty states', () => {
    expect(checkpointDeriveStates(new Map([['s', { fingerprint: 'f', state: new DeriveState() }]]), 4000)).toEqual({ metadata: '', skipped: [] });
  });

  it('never applies a checkpoint written for other derive steps, nor a foreign or corrupt one', () => {
    const { metadata } = checkpointDeriveStates(new Map([['s', { fingerprint: 'old', state: stateOf([['a', [{ value: 1, timeMs: 1 }]]]) }]]), 4000);
    const changed = restoreDeriveStates(metadata, new Map([['s', 'new']]), 10);
    expect(changed.states.size).toBe(0);
    expect(changed.problems).toEqual(['s: checkpointed for other derive steps; starting empty']);
    for (const bad of ['seq:1', 'd1:{', 'd1:[1]', 'd1:{"s":{"f":"new","e":[[1,2,3]]}}', 'd1:{"s":{"f":"new","e":[["a","x",1]]}}', 'd1:{"s":{"f":"new","e":[["a",1]]}}']) {
      const restored = restoreDeriveStates(bad, new Map([['s', 'new']]), 10);
      expect(restored.states.get('s')).toBeUndefined();
      expect(restored.problems.length).toBe(1);
    }
    expect(restoreDeriveStates(undefined, new Map([['s', 'new']]), 10)).toEqual({ states: new Map(), problems: [] });
  });

  it('fingerprints the derive steps only', () => {
    const a = compileTransforms([{ type: 'derive', field: 't', difference: 'dt' }]);
    const b = compileTransforms([{ type: 'dropEmpty' }, { type: 'derive', field: 't', difference: 'dt' }]);
    const c = compileTransforms([{ type: 'derive', field: 't', difference: 'd' }]);
    expect(deriveFingerprint(a)).toBe(deriveFingerprint(b));
    expect(deriveFingerprint(a)).not.toBe(deriveFingerprint(c));
  });
});
