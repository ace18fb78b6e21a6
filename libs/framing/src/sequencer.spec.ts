import fc from 'fast-check';
import { FrameSequencer, parseWindowId } from './sequencer';

describe('FrameSequencer', () => {
  it('numbers each stream from 1 without gaps', () => {
    const sequencer = FrameSequencer.empty();
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 0, part: 0 })).toEqual({ kind: 'assign', seq: 1n });
    expect(sequencer.next({ stream: 'b', sourcePartition: 0, windowStartMs: 0, part: 0 })).toEqual({ kind: 'assign', seq: 1n });
    expect(sequencer.next({ stream: 'a', sourcePartition: 1, windowStartMs: 0, part: 0 })).toEqual({ kind: 'assign', seq: 2n });
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 5000, part: 0 })).toEqual({ kind: 'assign', seq: 3n });
  });

  it('refuses a re-delivered window batch instead of giving it a new seq', () => {
    const sequencer = FrameSequencer.empty();
    sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 5000, part: 1 });
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 5000, part: 1 })).toEqual({ kind: 'duplicate', lastSeq: 1n });
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 5000, part: 0 }).kind).toBe('duplicate');
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 0, part: 3 }).kind).toBe('duplicate');
    expect(sequencer.next({ stream: 'a', sourcePartition: 0, windowStartMs: 5000, part: 2 })).toEqual({ kind: 'assign', seq: 2n });
  });

  it('continues exactly where the committed state left off (restart, rebalance)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ stream: fc.constantFrom('a', 'b', 'c'), partition: fc.nat(3), step: fc.nat(2) }), { maxLength: 60 }), fc.nat(60), (steps, cut) => {
        const whole = FrameSequencer.empty();
        let restarted = FrameSequencer.empty();
        const starts = new Map<string, number>();
        steps.forEach(({ stream, partition, step }, i) => {
          const key = `${stream}/${partition}`;
          const start = (starts.get(key) ?? 0) + step * 1000;
          starts.set(key, start);
          const position = { stream, sourcePartition: partition, windowStartMs: start, part: i };
          if (i === cut) restarted = FrameSequencer.restore(restarted.serialize());
          expect(restarted.next(position)).toEqual(whole.next(position));
        });
      }),
    );
  });

  it('refuses state it cannot trust rather than restarting seq at 1', () => {
    expect(() => FrameSequencer.restore('not json')).toThrow(/not JSON/);
    expect(() => FrameSequencer.restore('{"v":9,"s":{}}')).toThrow(/unknown shape/);
    expect(() => FrameSequencer.restore('{"v":1,"s":{"a":{"q":"-1","w":{}}}}')).toThrow(/unknown shape/);
    expect(FrameSequencer.restore(undefined).lastSeq('a')).toBe(0n);
  });
});

describe('parseWindowId', () => {
  it('reads the windower ids, streams with slashes included', () => {
    expect(parseWindowId('sensors/1700000000000/3/0')).toEqual({ stream: 'sensors', windowStartMs: 1700000000000, sourcePartition: 3, part: 0 });
    expect(parseWindowId('a/b/10/2/1')).toEqual({ stream: 'a/b', windowStartMs: 10, sourcePartition: 2, part: 1 });
    expect(parseWindowId('garbage')).toBeUndefined();
  });
});
