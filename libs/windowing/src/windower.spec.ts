import { event, newWindower, offsetsOf, PARTITION, streamConfig } from './spec-helpers';
import { WindowingConfigError } from './config';
import { WindowingStateError } from './resume-state';

const P = PARTITION;
const NOW = 1_000_000;

describe('Windower — event-time flush', () => {
  it('closes a tumbling window once the watermark (max event time − lateness) passes its end', () => {
    const windower = newWindower();
    expect(windower.add(P, [event(10, 100), event(11, 2000), event(12, 4900)], NOW)).toEqual([]);
    expect(windower.add(P, [event(13, 5500)], NOW)).toEqual([]); // watermark 4500 < 5000
    const [window, ...rest] = windower.add(P, [event(14, 6000)], NOW); // watermark 5000
    expect(rest).toEqual([]);
    expect(window).toMatchObject({ windowId: 's/0/3/0', stream: 's', windowStartMs: 0, windowEndMs: 5000, partition: P, part: 0, mode: 'all', lateCount: 0, coalescedCount: 0, sizeBytes: 30, reason: 'watermark' });
    expect(window && offsetsOf(window)).toEqual([10, 11, 12]);
  });

  it('lets an out-of-order event join its window within the grace period', () => {
    const windower = newWindower();
    windower.add(P, [event(10, 100), event(11, 5500), event(12, 4999)], NOW);
    const [window] = windower.add(P, [event(13, 6000)], NOW);
    expect(window && offsetsOf(window)).toEqual([10, 12]);
    expect(window?.late).toEqual([false, false]);
  });

  it('puts an event arriving after its window was emitted into the oldest open window, flagged late', () => {
    const windower = newWindower();
    windower.add(P, [event(10, 100), event(11, 6000)], NOW); // window 0 emitted
    expect(windower.add(P, [event(12, 3000), event(13, 7000)], NOW)).toEqual([]);
    const [window] = windower.flushPartition(P);
    expect(window).toMatchObject({ windowStartMs: 5000, lateCount: 1, late: [false, true, false] });
    expect(window && offsetsOf(window)).toEqual([11, 12, 13]);
    expect(windower.counters().streams['s']?.lateEvents).toBe(1);
  });

  it('treats an event beyond the grace period as late even if its window never existed', () => {
    const windower = newWindower();
    windower.add(P, [event(10, 20_000), event(11, 100)], NOW);
    const windows = windower.flushPartition(P);
    // Watermark 19 000: windows ending by then are over; the oldest still open starts at 15 000.
    expect(windows.map((w) => [w.windowStartMs, offsetsOf(w), w.late])).toEqual([
      [15_000, [11], [true]],
      [20_000, [10], [false]],
    ]);
  });
});

describe('Windower — processing-time (idle) flush', () => {
  const config = streamConfig({ allowedLatenessMs: 1000, idleFlushMs: 1000 });

  it('flushes a real-time stream at end + lateness + idle on the injected clock', () => {
    const windower = newWindower([config]);
    windower.add(P, [event(10, 1000)], 1000);
    expect(windower.tick(P, 6999)).toEqual([]);
    expect(windower.tick(P, 7000)).toMatchObject([{ windowId: 's/0/3/0', reason: 'idle' }]);
    expect(windower.counters().streams['s']?.idleFlushes).toBe(1);
  });

  it('waits as long for a stream whose event time lags the processing clock (backlog, skew)', () => {
    const windower = newWindower([config]);
    windower.add(P, [event(10, 1000)], NOW);
    expect(windower.tick(P, NOW + 5999)).toEqual([]);
    expect(windower.tick(P, NOW + 6000)).toMatchObject([{ windowStartMs: 0, reason: 'idle' }]);
  });

  it('does not flush a stream early while events keep arriving (the watermark decides)', () => {
    const windower = newWindower([config]);
    windower.add(P, [event(10, 1000)], NOW);
    windower.add(P, [event(11, 1100)], NOW + 5000);
    expect(windower.tick(P, NOW + 6000)).toEqual([]);
    expect(windower.tick(P, NOW + 5000 + 5899)).toEqual([]);
    expect(windower.tick(P, NOW + 5000 + 5900)).toMatchObject([{ reason: 'idle' }]);
  });

  it('makes events of an idle-flushed window late afterwards', () => {
    const windower = newWindower([config]);
    windower.add(P, [event(10, 1000)], 1000);
    windower.tick(P, 7000);
    windower.add(P, [event(11, 4000), event(12, 5100)], 7000);
    expect(windower.flushPartition(P).map((w) => [w.windowStartMs, offsetsOf(w), w.late])).toEqual([[5000, [11, 12], [true, false]]]);
  });
});

describe('Windower — hopping windows', () => {
  it('puts an event into every window covering it', () => {
    const windower = newWindower([streamConfig({ windowMs: 10, hopMs: 5, allowedLatenessMs: 0 })]);
    const all = [...windower.add(P, [event(1, 7), event(2, 12)], NOW), ...windower.add(P, [event(3, 30)], NOW), ...windower.flushPartition(P)];
    expect(all.map((w) => [w.windowId, offsetsOf(w)])).toEqual([
      ['s/0/3/0', [1]],
      ['s/5/3/0', [1, 2]],
      ['s/10/3/0', [2]],
      ['s/25/3/0', [3]],
      ['s/30/3/0', [3]],
    ]);
  });

  it('counts the bytes of an event held by several windows once', () => {
    const windower = newWindower([streamConfig({ windowMs: 10, hopMs: 2 })]);
    windower.add(P, [event(1, 7, { sizeBytes: 40 })], NOW);
    expect(windower.bufferedBytes()).toBe(40);
  });
});

describe('Windower — caps', () => {
  it('splits a window at maxEvents into parts with their own ids, emitted as soon as they are full', () => {
    const windower = newWindower([streamConfig({ maxEvents: 2 })]);
    const early = windower.add(P, [1, 2, 3, 4, 5].map((o) => event(o, o * 100)), NOW);
    expect(early.map((w) => [w.windowId, offsetsOf(w), w.reason])).toEqual([
      ['s/0/3/0', [1, 2], 'maxEvents'],
      ['s/0/3/1', [3, 4], 'maxEvents'],
    ]);
    expect(windower.flushPartition(P).map((w) => [w.windowId, offsetsOf(w)])).toEqual([['s/0/3/2', [5]]]);
    expect(windower.counters().streams['s']).toMatchObject({ splitParts: 2, emittedParts: 3, emittedEvents: 5 });
  });

  it('cuts before the event that would exceed maxBytes, and sends an oversized event alone', () => {
    const windower = newWindower([streamConfig({ maxBytes: 10 })]);
    const emitted = [...windower.add(P, [event(1, 1, { sizeBytes: 4 }), event(2, 2, { sizeBytes: 4 }), event(3, 3, { sizeBytes: 4 }), event(4, 4, { sizeBytes: 50 }), event(5, 5, { sizeBytes: 6 })], NOW), ...windower.flushPartition(P)];
    expect(emitted.map((w) => [offsetsOf(w), w.sizeBytes, w.reason])).toEqual([
      [[1, 2], 8, 'maxBytes'],
      [[3], 4, 'maxBytes'],
      [[4], 50, 'maxBytes'],
      [[5], 6, 'flush'],
    ]);
  });

  it('closes older windows before a newer one emits a part, so emission order is kept', () => {
    const windower = newWindower([streamConfig({ maxEvents: 2 })]);
    windower.add(P, [event(1, 4500), event(2, 5100)], NOW); // window 0 still in its grace period
    const emitted = windower.add(P, [event(3, 5200)], NOW);
    expect(emitted.map((w) => [w.windowId, offsetsOf(w), w.reason])).toEqual([
      ['s/0/3/0', [1], 'order'],
      ['s/5000/3/0', [2, 3], 'maxEvents'],
    ]);
    windower.add(P, [event(4, 4600)], NOW); // window 0 is gone: late, into the open window 5000 (its next part)
    expect(windower.flushPartition(P).map((w) => [w.windowId, offsetsOf(w), w.late])).toEqual([['s/5000/3/1', [4], [true]]]);
    expect(windower.counters().streams['s']?.orderClosures).toBe(1);
  });
});

describe('Windower — latest mode', () => {
  const latest = streamConfig({ mode: 'latest' });

  it('keeps the highest version per entity and counts what it coalesced', () => {
    const windower = newWindower([latest]);
    windower.add(
      P,
      [
        event(1, 10, { entityId: 'x', version: '2' }),
        event(2, 20, { entityId: 'y', version: 'a' }),
        event(3, 30, { entityId: 'x', version: '10' }),
        event(4, 40, { entityId: 'x', version: '9' }),
        event(5, 50, { entityId: 'y', version: 'b' }),
        event(6, 60, { entityId: 'z', version: '18446744073709551617' }),
        event(7, 70, { entityId: 'z', version: '99' }),
      ],
      NOW,
    );
    const [window] = windower.flushPartition(P);
    expect(window?.events.map((e) => [e.entityId, e.version])).toEqual([
      ['x', '10'],
      ['y', 'b'],
      ['z', '18446744073709551617'],
    ]);
    expect(window).toMatchObject({ mode: 'latest', coalescedCount: 4, sizeBytes: 30 });
    expect(windower.counters().streams['s']?.coalescedEvents).toBe(4);
  });

  it('keeps the first of equal versions (a re-ingested duplicate)', () => {
    const windower = newWindower([latest]);
    windower.add(P, [event(1, 10, { entityId: 'x', version: '5' }), event(2, 20, { entityId: 'x', version: '05' })], NOW);
    expect(windower.flushPartition(P).map((w) => [offsetsOf(w), w.coalescedCount])).toEqual([[[1], 1]]);
  });

  it('cuts a part when a newer, larger version would take it over maxBytes', () => {
    const windower = newWindower([streamConfig({ mode: 'latest', maxBytes: 10 })]);
    const cut = windower.add(P, [event(1, 10, { entityId: 'x', version: '1', sizeBytes: 4 }), event(2, 20, { entityId: 'y', version: '1', sizeBytes: 4 }), event(3, 30, { entityId: 'x', version: '2', sizeBytes: 8 })], NOW);
    expect(cut.map((w) => [w.windowId, offsetsOf(w), w.sizeBytes, w.reason])).toEqual([['s/0/3/0', [1, 2], 8, 'maxBytes']]);
    expect(windower.flushPartition(P).map((w) => [w.windowId, offsetsOf(w), w.sizeBytes])).toEqual([['s/0/3/1', [3], 8]]);
  });

  it('holds coalesced changes until their part is emitted, so a replay reproduces the count', () => {
    const windower = newWindower([latest]);
    windower.add(P, [event(1, 10, { entityId: 'x', version: '1' }), event(2, 20, { entityId: 'x', version: '2' })], NOW);
    expect(windower.committableOffset(P)).toBe('1');
  });
});

describe('Windower — offsets and partitions', () => {
  it('commits up to the smallest buffered offset, then past the last consumed one', () => {
    const windower = newWindower();
    expect(windower.committableOffset(P)).toBeUndefined();
    windower.add(P, [event(10, 6000), event(11, 100), event(12, 200)], NOW); // 11 and 12 are late into window 5000
    expect(windower.committableOffset(P)).toBe('10');
    windower.add(P, [event(13, 100_000)], NOW); // closes window 5000
    expect(windower.committableOffset(P)).toBe('13');
    windower.flushPartition(P);
    expect(windower.checkpoint(P)?.offset).toBe('14');
  });

  it('consumes events of unknown streams and skipped records without windowing them', () => {
    const windower = newWindower();
    windower.add(P, [event(10, 100, { stream: 'other' })], NOW);
    windower.skipOffset(P, '11');
    expect(windower.committableOffset(P)).toBe('12');
    expect(windower.hasStream('other')).toBe(false);
    expect(windower.counters().ignored).toEqual({ unknownStream: 1, staleOffset: 0, skipped: 1 });
  });

  it('ignores re-delivered offsets', () => {
    const windower = newWindower();
    windower.add(P, [event(10, 100), event(11, 200)], NOW);
    windower.add(P, [event(11, 300), event(12, 400)], NOW);
    expect(windower.flushPartition(P).map(offsetsOf)).toEqual([[10, 11, 12]]);
    expect(windower.counters().ignored.staleOffset).toBe(1);
  });

  it('keeps partitions apart: own windows, ids and offsets', () => {
    const windower = newWindower();
    windower.add(0, [event(10, 100)], NOW);
    windower.add(1, [event(10, 200), event(11, 300)], NOW);
    expect(windower.flushPartition(1).map((w) => [w.windowId, offsetsOf(w)])).toEqual([['s/0/1/0', [10, 11]]]);
    expect(windower.committableOffset(0)).toBe('10');
    expect(windower.committableOffset(1)).toBe('12');
    expect(windower.partitions()).toEqual([0, 1, P]);
  });

  it('revokes a partition without emitting anything and frees its bytes', () => {
    const windower = newWindower();
    windower.add(0, [event(10, 100, { sizeBytes: 7 })], NOW);
    windower.add(1, [event(10, 100, { sizeBytes: 5 })], NOW);
    windower.revokePartition(0);
    expect(windower.bufferedBytes()).toBe(5);
    expect(windower.partitions()).toEqual([1, P]);
    expect(windower.tick(0, NOW + 1e9)).toEqual([]);
    expect(windower.flushPartition(0)).toEqual([]);
    expect(windower.checkpoint(0)).toBeUndefined();
  });

  it('refuses records of a partition that was not restored (a straggling batch after a revoke)', () => {
    const windower = newWindower();
    windower.revokePartition(0);
    expect(() => windower.add(0, [event(10, 100)], NOW)).toThrow(/restorePartition\(0/);
    expect(() => windower.skipOffset(0, '10')).toThrow(/restorePartition\(0/);
    windower.restorePartition(0, undefined);
    expect(windower.add(0, [event(10, 100)], NOW)).toEqual([]);
  });

  it('refuses a malformed batch before changing anything', () => {
    const windower = newWindower();
    const bad = { ...event(11, 100), eventTimeMs: Number.NaN };
    expect(() => windower.add(P, [event(10, 100), bad], NOW)).toThrow(RangeError);
    expect(() => windower.add(P, [{ ...event(10, 100), offset: '1e3' }], NOW)).toThrow(RangeError);
    expect(() => windower.add(P, [{ ...event(10, 100), sizeBytes: -1 }], NOW)).toThrow(RangeError);
    expect(windower.committableOffset(P)).toBeUndefined();
  });

  it('refuses bad configs and untrusted committed state', () => {
    expect(() => newWindower([streamConfig({ windowMs: 0 })])).toThrow(WindowingConfigError);
    expect(() => newWindower().restorePartition(P, 'not json')).toThrow(WindowingStateError);
  });
});

describe('Windower — backpressure', () => {
  it('signals over budget at the high-water mark until drained to the low-water mark', () => {
    const windower = newWindower([streamConfig({ allowedLatenessMs: 0 })], 100);
    windower.add(0, [event(1, 100, { sizeBytes: 60 })], NOW);
    expect(windower.overBudget()).toBe(false);
    windower.add(1, [event(1, 100, { sizeBytes: 40 })], NOW);
    expect(windower.bufferedBytes()).toBe(100);
    expect(windower.overBudget()).toBe(true);
    windower.add(1, [event(2, 6000, { sizeBytes: 1 })], NOW); // partition 1 emits its window 0
    expect(windower.bufferedBytes()).toBe(61);
    expect(windower.overBudget()).toBe(false); // 61 ≤ the low-water mark (75 by default)
  });

  it('stays paused between the marks instead of flapping', () => {
    const windower = newWindower([streamConfig({ allowedLatenessMs: 0 })], 100);
    windower.add(0, [event(1, 100, { sizeBytes: 100 })], NOW);
    expect(windower.overBudget()).toBe(true);
    windower.add(1, [event(1, 100, { sizeBytes: 20 })], NOW);
    windower.add(0, [event(2, 6000, { sizeBytes: 60 })], NOW); // frees 100, holds 60 + 20 = 80
    expect(windower.bufferedBytes()).toBe(80);
    expect(windower.overBudget()).toBe(true);
    windower.revokePartition(1);
    expect(windower.overBudget()).toBe(false);
  });
});

describe('Windower — restart from a checkpoint', () => {
  it('does not emit again, nor lose, what the committed windows already carry', () => {
    const config = streamConfig({ allowedLatenessMs: 5000 });
    const first = newWindower([config]);
    // 10 sits in window 5000 (still open) while 11, in window 0, is emitted on 12's watermark.
    first.add(P, [event(10, 9000), event(11, 3000)], NOW);
    expect(first.add(P, [event(12, 10_000)], NOW).map((w) => [w.windowId, offsetsOf(w)])).toEqual([['s/0/3/0', [11]]]);
    const checkpoint = first.checkpoint(P);
    expect(checkpoint?.offset).toBe('10');

    const second = newWindower([config]);
    second.restorePartition(P, checkpoint?.metadata);
    expect(second.add(P, [event(10, 9000), event(11, 3000), event(12, 10_000)], NOW)).toEqual([]);
    expect(second.counters().streams['s']?.replaySkippedEvents).toBe(1);
    const continued = (windower: typeof first) => [...windower.add(P, [event(13, 16_000)], NOW), ...windower.flushPartition(P)].map((w) => [w.windowId, offsetsOf(w)]);
    const afterRestart = continued(second);
    expect(afterRestart).toEqual([
      ['s/5000/3/0', [10]],
      ['s/10000/3/0', [12]],
      ['s/15000/3/0', [13]],
    ]);
    expect(continued(first)).toEqual(afterRestart);
  });

  it('re-buffers a late event that was still buffered, flagged late again', () => {
    const first = newWindower();
    first.add(P, [event(10, 9000), event(11, 3000)], NOW); // 11 is late into window 5000
    const second = newWindower();
    second.restorePartition(P, first.checkpoint(P)?.metadata);
    second.add(P, [event(10, 9000), event(11, 3000)], NOW);
    expect(second.flushPartition(P)).toEqual(first.flushPartition(P));
    expect(second.counters().streams['s']?.replaySkippedEvents).toBe(0);
  });

  it('continues a split window with its next part', () => {
    const first = newWindower([streamConfig({ maxEvents: 2 })]);
    first.add(P, [event(1, 100), event(2, 200)], NOW); // part 0 emitted
    first.add(P, [event(3, 300)], NOW);
    const checkpoint = first.checkpoint(P);
    expect(checkpoint?.offset).toBe('3');

    const second = newWindower([streamConfig({ maxEvents: 2 })]);
    second.restorePartition(P, checkpoint?.metadata);
    expect(second.add(P, [event(3, 300), event(4, 400)], NOW).map((w) => [w.windowId, offsetsOf(w)])).toEqual([['s/0/3/1', [3, 4]]]);
  });

  it('ignores records before the committed offset and defers idle flushes until the re-read is done', () => {
    const first = newWindower();
    first.add(P, [event(10, 100), event(11, 200)], 1000);
    const checkpoint = first.checkpoint(P);
    const second = newWindower();
    second.restorePartition(P, checkpoint?.metadata);
    expect(second.checkpoint(P)).toEqual(checkpoint);
    expect(second.tick(P, 1e12)).toEqual([]);
    expect([second.replaying(P), second.replaying(), first.replaying()]).toEqual([true, true, false]);
    second.add(P, [event(9, 100), event(10, 100)], 1000);
    expect(second.tick(P, 1e12)).toEqual([]);
    second.add(P, [event(11, 200)], 1000);
    expect([second.replaying(P), second.replaying()]).toEqual([false, false]);
    expect(second.tick(P, 1e12).map(offsetsOf)).toEqual([[10, 11]]);
    expect(second.counters().ignored.staleOffset).toBe(1);
  });
});
