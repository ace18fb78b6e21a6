import fc from 'fast-check';
import { CloseCode } from './close-codes';
import { resolveStart, type StartPlan, type StreamExtent } from './start-position';

const extent: StreamExtent = { earliestRetainedSeq: 100, latestSeq: 200 };

function planOf(...args: Parameters<typeof resolveStart>): StartPlan {
  const result = resolveStart(...args);
  if (!result.ok) throw new Error(result.reason);
  return result.plan;
}

describe('resolveStart', () => {
  it('starts live from the latest seq', () => {
    expect(planOf('s', { kind: 'latest' }, extent)).toEqual({ kind: 'live', afterSeq: 200 });
  });

  it('replays everything retained for earliest, without a gap notice', () => {
    expect(planOf('s', { kind: 'earliest' }, extent)).toEqual({ kind: 'replay', afterSeq: 99, fromSeq: 100, toSeq: 200 });
    expect(planOf('s', { kind: 'earliest' }, { earliestRetainedSeq: 1, latestSeq: 0 })).toEqual({ kind: 'live', afterSeq: 0 });
  });

  it('resumes after a seq within retention', () => {
    expect(planOf('s', { kind: 'seq', afterSeq: 150 }, extent)).toEqual({ kind: 'replay', afterSeq: 150, fromSeq: 151, toSeq: 200 });
    expect(planOf('s', { kind: 'seq', afterSeq: 99 }, extent)).toEqual({ kind: 'replay', afterSeq: 99, fromSeq: 100, toSeq: 200 });
    expect(planOf('s', { kind: 'seq', afterSeq: 200 }, extent)).toEqual({ kind: 'live', afterSeq: 200 });
  });

  it('names what retention removed instead of skipping it silently', () => {
    expect(planOf('sensors', { kind: 'seq', afterSeq: 41 }, extent)).toEqual({
      kind: 'replay',
      afterSeq: 99,
      fromSeq: 100,
      toSeq: 200,
      gap: { stream: 'sensors', firstMissingSeq: 42, lastMissingSeq: 99, reason: 'retention', earliestAvailableSeq: 100 },
    });
    // Everything expired: the gap reaches the latest seq and the stream continues live.
    expect(planOf('s', { kind: 'seq', afterSeq: 3 }, { earliestRetainedSeq: 11, latestSeq: 10 })).toEqual({
      kind: 'live',
      afterSeq: 10,
      gap: { stream: 's', firstMissingSeq: 4, lastMissingSeq: 10, reason: 'retention', earliestAvailableSeq: 11 },
    });
  });

  it('refuses a resume point beyond the latest seq', () => {
    expect(resolveStart('sensors', { kind: 'seq', afterSeq: 201 }, extent)).toEqual({
      ok: false,
      code: CloseCode.BadRequest,
      reason: 'cannot resume "sensors" after seq 201: its latest seq is 200 (was the stream reset?)',
    });
  });

  it('maps a time through the caller’s lookup, clamped to what is retained', () => {
    const lookup = (seq: number | undefined) => () => seq;
    expect(planOf('s', { kind: 'time', timeMs: 1 }, extent, lookup(150))).toEqual({ kind: 'replay', afterSeq: 149, fromSeq: 150, toSeq: 200 });
    expect(planOf('s', { kind: 'time', timeMs: 1 }, extent, lookup(undefined))).toEqual({ kind: 'live', afterSeq: 200 });
    expect(planOf('s', { kind: 'time', timeMs: 1 }, extent, lookup(3))).toEqual({ kind: 'replay', afterSeq: 99, fromSeq: 100, toSeq: 200 });
    expect(planOf('s', { kind: 'time', timeMs: 1 }, extent, lookup(900))).toEqual({ kind: 'live', afterSeq: 200 });
    const asked: number[] = [];
    planOf('s', { kind: 'time', timeMs: 1234 }, extent, (ms) => {
      asked.push(ms);
      return 120;
    });
    expect(asked).toEqual([1234]);
  });

  it('covers every seq after the resume point exactly once: by gap notice, then replay, then live (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 300 }), fc.nat({ max: 300 }), fc.nat({ max: 300 }), (latestSeq, retainedCount, afterSeq) => {
        const earliestRetainedSeq = Math.max(1, latestSeq - retainedCount + 1);
        const result = resolveStart('s', { kind: 'seq', afterSeq }, { earliestRetainedSeq, latestSeq });
        if (afterSeq > latestSeq) {
          expect(result.ok).toBe(false);
          return;
        }
        if (!result.ok) throw new Error(result.reason);
        const plan = result.plan;
        let next = afterSeq + 1;
        if (plan.gap) {
          expect(plan.gap.firstMissingSeq).toBe(next);
          expect(plan.gap.lastMissingSeq).toBeLessThan(earliestRetainedSeq);
          next = plan.gap.lastMissingSeq + 1;
        }
        expect(plan.afterSeq).toBe(next - 1);
        if (plan.kind === 'replay') {
          expect(plan.fromSeq).toBe(next);
          expect(plan.fromSeq).toBeGreaterThanOrEqual(earliestRetainedSeq);
          expect(plan.toSeq).toBe(latestSeq);
          next = plan.toSeq + 1;
        }
        expect(next).toBe(latestSeq + 1);
      }),
    );
  });
});
