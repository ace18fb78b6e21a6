import fc from 'fast-check';
import { StreamPositions } from './positions';

type Item = { kind: 'frame'; seq: number } | { kind: 'gap'; first: number; last: number } | { kind: 'snapshot'; asOfSeq: number };

/** What the edge (or a confused one) may send for one stream: any order, duplicates, stale and overlapping notices. */
const items: fc.Arbitrary<Item[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 60 }).map((seq) => ({ kind: 'frame' as const, seq })) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 5 })).map(([first, n]) => ({ kind: 'gap' as const, first, last: first + n })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((asOfSeq) => ({ kind: 'snapshot' as const, asOfSeq })) },
  ),
  { maxLength: 120 },
);

/** Plays items through StreamPositions the way the client does; returns what the application saw. */
function play(positions: StreamPositions, sequence: Item[]) {
  const seen: Array<{ kind: 'frame'; seq: number } | { kind: 'gap'; first: number; last: number } | { kind: 'snapshot'; asOfSeq: number }> = [];
  for (const item of sequence) {
    if (item.kind === 'frame') {
      const decision = positions.check('s', item.seq);
      if (decision.action === 'duplicate') continue;
      if (decision.missing) seen.push({ kind: 'gap', ...decision.missing });
      positions.advance('s', item.seq);
      seen.push(item);
    } else if (item.kind === 'gap') {
      const range = positions.gap('s', item.first, item.last);
      if (range) seen.push({ kind: 'gap', ...range });
    } else if (positions.snapshot('s', item.asOfSeq)) seen.push(item);
  }
  return seen;
}

describe('StreamPositions (seq dedupe and resume points)', () => {
  it('never hands a seq over twice and never skips one silently, whatever the edge sends', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), items, (start, sequence) => {
        const positions = new StreamPositions(start === undefined ? {} : { s: start });
        const seen = play(positions, sequence);
        // Walk what the application saw: each item starts right after the previous position.
        let cursor = start;
        for (const event of seen) {
          if (event.kind === 'frame') {
            if (cursor !== undefined) expect(event.seq).toBe(cursor + 1);
            cursor = event.seq;
          } else if (event.kind === 'gap') {
            if (cursor !== undefined) expect(event.first).toBe(cursor + 1);
            expect(event.last).toBeGreaterThanOrEqual(event.first);
            cursor = event.last;
          } else {
            // A snapshot stands for every frame up to asOfSeq: it may only move forward.
            if (cursor !== undefined) expect(event.asOfSeq).toBeGreaterThan(cursor);
            cursor = event.asOfSeq;
          }
        }
        expect(positions.get('s')).toBe(cursor);
      }),
      { numRuns: 3000 },
    );
  });

  it('delivers an in-order feed with duplicates and replays exactly once each', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 200 }), (noise) => {
        // The true feed 1..40 interleaved with replays of earlier seqs (a reconnect re-sending what came before).
        const positions = new StreamPositions();
        const delivered: number[] = [];
        let next = 1;
        for (const replay of noise) {
          for (const seq of [Math.min(replay, next - 1), next]) {
            if (seq < 1) continue;
            if (positions.check('s', seq).action === 'deliver') {
              positions.advance('s', seq);
              delivered.push(seq);
            }
          }
          if (next <= 40) next++;
        }
        expect(delivered).toEqual(Array.from({ length: Math.min(40, noise.length) }, (_, i) => i + 1));
      }),
    );
  });

  it('names seqs that went missing before a notice, and resumes from what was handed over', () => {
    const positions = new StreamPositions({ a: 10 });
    expect(positions.check('a', 13)).toEqual({ action: 'deliver', missing: { first: 11, last: 12 } });
    expect(positions.gap('a', 14, 20)).toEqual({ first: 11, last: 20 });
    expect(positions.gap('a', 15, 18)).toBeUndefined();
    expect(positions.check('b', 99)).toEqual({ action: 'deliver' });
    positions.advance('b', 99);
    expect(positions.toJSON()).toEqual({ a: 20, b: 99 });
    positions.delete('b');
    expect(positions.has('b')).toBe(false);
  });
});
