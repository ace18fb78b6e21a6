import fc from 'fast-check';
import { SeqIndex } from './seq-index';

describe('SeqIndex', () => {
  it('finds the checkpoint at or before a seq and the first seq at or after a time', () => {
    const index = new SeqIndex(100);
    for (let seq = 1; seq <= 10; seq++) index.add(seq, seq * 3, 1000 + seq * 10);
    expect(index.offsetAtOrBefore(0)).toBeUndefined();
    expect(index.offsetAtOrBefore(4)).toBe(12);
    expect(index.offsetAtOrBefore(99)).toBe(30);
    expect(index.seqAtOrAfter(0)).toBe(1);
    expect(index.seqAtOrAfter(1045)).toBe(5);
    expect(index.seqAtOrAfter(5000)).toBeUndefined();
  });

  it('stays within its bound and never seeks past the frame asked for', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 64 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 2000 }), (max, count, probe) => {
        const index = new SeqIndex(max);
        for (let seq = 1; seq <= count; seq++) index.add(seq, seq * 2, seq);
        expect(index.size).toBeLessThanOrEqual(max);
        const offset = index.offsetAtOrBefore(probe);
        // The offset belongs to a seq at or before the probe (offset = 2·seq here).
        if (offset !== undefined) expect(offset / 2).toBeLessThanOrEqual(probe);
        const seq = index.seqAtOrAfter(probe);
        if (probe <= count) expect(seq).toBeLessThanOrEqual(probe);
      }),
    );
  });
});
