import fc from 'fast-check';
import { ColumnRing, firstAbove } from './ring';

type Op = { kind: 'push'; value: number } | { kind: 'drop'; by: number };

describe('ColumnRing', () => {
  it('behaves like a bounded queue with sequence numbers (model-based)', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((value) => ({ kind: 'push' as const, value })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((by) => ({ kind: 'drop' as const, by })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (max, initial, ops) => {
        const ring = new ColumnRing({ v: Int32Array }, max, initial);
        const model: { seq: number; value: number }[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const i = ring.push();
            ring.cols.v[i] = o.value;
            model.push({ seq: next++, value: o.value });
            if (model.length > max) model.shift();
          } else {
            const target = ring.firstSeq + o.by;
            ring.dropBefore(target);
            while (model.length > 0 && (model[0] as { seq: number }).seq < target) model.shift();
          }
          expect(ring.size).toBe(model.length);
          expect(ring.size).toBeLessThanOrEqual(max);
          expect(ring.allocated).toBeLessThanOrEqual(max);
          expect(ring.endSeq).toBe(next);
          const seen = [];
          for (let seq = ring.firstSeq; seq < ring.endSeq; seq++) seen.push({ seq, value: ring.cols.v[ring.index(seq)] });
          expect(seen).toEqual(model);
        }
      }),
    );
  });

  it('refuses a non-positive bound', () => {
    expect(() => new ColumnRing({ v: Uint8Array }, 0)).toThrow(RangeError);
  });
});

describe('firstAbove', () => {
  it('finds the first value greater than the bound in a sorted range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 })), fc.integer({ min: -5, max: 55 }), (values, bound) => {
        const sorted = [...values].sort((a, b) => a - b);
        const expected = sorted.findIndex((v) => v > bound);
        expect(firstAbove(0, sorted.length, bound, (i) => sorted[i] as number)).toBe(expected < 0 ? sorted.length : expected);
      }),
    );
  });
});
