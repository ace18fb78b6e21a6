import fc from 'fast-check';
import { ReplayLiveHandoff, type HandoffSink } from './replay-handoff';
import { StreamCursor } from './stream-cursor';

describe('StreamCursor', () => {
  it('delivers the next seq, drops duplicates and reports gaps without moving', () => {
    const cursor = new StreamCursor(40);
    expect([41, 41, 40, 43, 42, 43].map((seq) => cursor.accept(seq))).toEqual(['deliver', 'duplicate', 'duplicate', 'gap', 'deliver', 'deliver']);
    expect(cursor.lastDeliveredSeq).toBe(43);
    expect(cursor.check(44)).toBe('deliver');
    expect(cursor.lastDeliveredSeq).toBe(43);
  });

  it('skips forward past a gap notice or snapshot, never back', () => {
    const cursor = new StreamCursor(0);
    cursor.skipTo(10);
    cursor.skipTo(5);
    expect(cursor.lastDeliveredSeq).toBe(10);
    expect(cursor.accept(11)).toBe('deliver');
    expect(() => new StreamCursor(-1)).toThrow(RangeError);
    expect(() => cursor.skipTo(1.5)).toThrow(RangeError);
  });

  it('delivers strictly increasing, gap-free seqs whatever it is fed (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 20 }), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 100 }), (start, seqs) => {
        const cursor = new StreamCursor(start);
        let last = start;
        for (const seq of seqs) {
          const verdict = cursor.accept(seq);
          expect(verdict).toBe(seq <= last ? 'duplicate' : seq === last + 1 ? 'deliver' : 'gap');
          if (verdict === 'deliver') last = seq;
          expect(cursor.lastDeliveredSeq).toBe(last);
        }
      }),
    );
  });
});

/** Records what the handoff decided. */
class RecordingSink implements HandoffSink<string> {
  readonly delivered: number[] = [];
  readonly gaps: Array<[number, number]> = [];
  readonly replays: number[] = [];
  stops = 0;
  frame(seq: number, item: string): void {
    expect(item).toBe(`frame ${seq}`);
    this.delivered.push(seq);
  }
  gap(first: number, last: number): void {
    this.gaps.push([first, last]);
  }
  startReplay(fromSeq: number): void {
    this.replays.push(fromSeq);
  }
  stopReplay(): void {
    this.stops++;
  }
}

const item = (seq: number) => `frame ${seq}`;

describe('ReplayLiveHandoff', () => {
  it('buffers live frames while replaying and flushes them once replay reaches them', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 3, replaying: true, sink });
    for (const seq of [8, 9, 9, 10]) handoff.live(seq, item(seq));
    expect(sink.delivered).toEqual([]);
    expect(handoff.bufferedLive).toBe(3);
    for (const seq of [4, 5, 6]) handoff.replayed(seq, item(seq));
    expect(handoff.mode).toBe('replaying');
    handoff.replayed(7, item(7));
    expect(handoff.mode).toBe('live');
    expect(sink.stops).toBe(1);
    // Replay overlapping live, and late in-flight replay frames, are dropped by seq.
    handoff.replayed(8, item(8));
    handoff.live(10, item(10));
    handoff.live(11, item(11));
    expect(sink.delivered).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('flushes when replay overlaps the buffer rather than meeting it exactly', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink });
    handoff.live(3, item(3));
    handoff.live(4, item(4));
    for (const seq of [1, 2]) handoff.replayed(seq, item(seq));
    expect(sink.delivered).toEqual([1, 2, 3, 4]);
    expect(handoff.mode).toBe('live');
  });

  it('goes live when replay ends with nothing buffered', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink });
    handoff.replayed(1, item(1));
    handoff.replayEnded();
    expect(handoff.mode).toBe('live');
    handoff.live(2, item(2));
    expect(sink.delivered).toEqual([1, 2]);
  });

  it('replays again when the live feed skips seqs', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 5, replaying: false, sink });
    handoff.live(6, item(6));
    handoff.live(9, item(9));
    expect(sink.replays).toEqual([7]);
    expect(handoff.mode).toBe('replaying');
    handoff.live(10, item(10));
    for (const seq of [7, 8]) handoff.replayed(seq, item(seq));
    expect(sink.delivered).toEqual([6, 7, 8, 9, 10]);
    expect(handoff.mode).toBe('live');
  });

  it('names frames that exist nowhere any more with a gap, and never a silent hole', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink });
    handoff.replayed(1, item(1));
    handoff.replayed(4, item(4)); // 2..3 deleted by retention mid-replay
    handoff.live(8, item(8));
    handoff.replayed(5, item(5));
    handoff.replayEnded(); // 6..7: in neither
    expect(sink.gaps).toEqual([
      [2, 3],
      [6, 7],
    ]);
    expect(sink.delivered).toEqual([1, 4, 5, 8]);
    expect(handoff.mode).toBe('live');
  });

  it('stops at the live buffer when a replay gap reaches into it', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink });
    handoff.live(4, item(4));
    handoff.live(5, item(5));
    handoff.replayed(6, item(6)); // 1..3 gone; 4..5 are buffered
    expect(sink.gaps).toEqual([[1, 3]]);
    expect(sink.delivered).toEqual([4, 5, 6]);
  });

  it('lets go of the oldest live frames beyond its bound, replay reading further instead', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink, maxBufferedLive: 2 });
    for (const seq of [3, 4, 5, 6]) handoff.live(seq, item(seq));
    expect(handoff.bufferedLive).toBe(2);
    for (const seq of [1, 2, 3, 4]) handoff.replayed(seq, item(seq));
    expect(sink.delivered).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('skips past a snapshot sent by other means', () => {
    const sink = new RecordingSink();
    const handoff = new ReplayLiveHandoff({ afterSeq: 0, replaying: true, sink });
    for (const seq of [6, 7, 8]) handoff.live(seq, item(seq));
    handoff.skipTo(7);
    expect(handoff.mode).toBe('live');
    expect(sink.delivered).toEqual([8]);
  });

  it('delivers every seq exactly once, in order, for any interleaving of replay and live (property)', () => {
    const scenario = fc
      .record({
        total: fc.nat({ max: 40 }),
        afterFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        liveFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        liveDuplicates: fc.array(fc.nat({ max: 3 }), { maxLength: 50 }),
        liveSkips: fc.array(fc.boolean(), { maxLength: 50 }),
        replayDuplicates: fc.array(fc.boolean(), { maxLength: 50 }),
        schedule: fc.array(fc.boolean(), { maxLength: 200 }),
        inFlightAfterStop: fc.boolean(),
        maxBufferedLive: fc.integer({ min: 1, max: 8 }),
      })
      .map((s) => ({ ...s, afterSeq: Math.floor(s.afterFraction * s.total), liveFrom: 1 + Math.floor(s.liveFraction * s.total) }));

    fc.assert(
      fc.property(scenario, (s) => {
        // The live feed: liveFrom..total, some frames repeated, some skipped (never the last, which
        // would otherwise hide the skip until a later frame that this finite run never produces).
        const liveFeed: number[] = [];
        for (let seq = s.liveFrom; seq <= s.total; seq++) {
          const i = seq - s.liveFrom;
          if (s.liveSkips[i] && seq !== s.total) continue;
          liveFeed.push(seq);
          for (let d = 0; d < (s.liveDuplicates[i] ?? 0); d++) liveFeed.push(Math.max(1, seq - d));
        }
        const sink = new RecordingSink();
        let replayNext: number | undefined;
        const originalStart = sink.startReplay.bind(sink);
        const originalStop = sink.stopReplay.bind(sink);
        let inFlight: number | undefined;
        sink.startReplay = (fromSeq) => {
          originalStart(fromSeq);
          replayNext = fromSeq;
        };
        sink.stopReplay = () => {
          originalStop();
          if (s.inFlightAfterStop && replayNext !== undefined && replayNext <= s.total) inFlight = replayNext;
          replayNext = undefined;
        };
        const replaying = s.afterSeq < s.total;
        if (replaying) replayNext = s.afterSeq + 1;
        const handoff = new ReplayLiveHandoff({ afterSeq: s.afterSeq, replaying, sink, maxBufferedLive: s.maxBufferedLive });

        let liveIndex = 0;
        let step = 0;
        const replayStep = () => {
          if (replayNext === undefined) return false;
          if (replayNext > s.total) {
            replayNext = undefined;
            handoff.replayEnded();
            return true;
          }
          const seq = replayNext;
          replayNext++;
          handoff.replayed(seq, item(seq));
          if (s.replayDuplicates[seq % 50]) handoff.replayed(seq, item(seq));
          return true;
        };
        const liveStep = () => {
          const seq = liveFeed[liveIndex];
          if (seq === undefined) return false;
          liveIndex++;
          handoff.live(seq, item(seq));
          return true;
        };
        for (let guard = 0; guard < 10_000; guard++) {
          if (inFlight !== undefined) {
            const seq = inFlight;
            inFlight = undefined;
            handoff.replayed(seq, item(seq));
          }
          const preferLive = s.schedule[step++ % Math.max(1, s.schedule.length)] ?? true;
          const progressed = preferLive ? liveStep() || replayStep() : replayStep() || liveStep();
          if (!progressed) break;
        }

        const expected = Array.from({ length: s.total - s.afterSeq }, (_, i) => s.afterSeq + 1 + i);
        expect(sink.delivered).toEqual(expected);
        expect(sink.gaps).toEqual([]);
        expect(handoff.mode).toBe('live');
      }),
      { numRuns: 500 },
    );
  });
});
