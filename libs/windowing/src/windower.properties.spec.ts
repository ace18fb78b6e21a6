import fc from 'fast-check';
import { inputEvents, newWindower, PARTITION, runAll, runStep, stepsArbitrary, type Payload, type Step, type StepResult } from './spec-helpers';
import type { EmittedWindow, StreamWindowConfig, WindowMode } from './types';
import { compareVersions } from './version-order';
import type { Windower } from './windower';

const P = PARTITION;

function configArbitrary(stream: string, options: { mode?: WindowMode; tumbling?: boolean; uncapped?: boolean } = {}): fc.Arbitrary<StreamWindowConfig> {
  return fc
    .record({
      windowMs: fc.integer({ min: 50, max: 300 }),
      hopDivisor: options.tumbling ? fc.constant(1) : fc.constantFrom(1, 2, 3),
      allowedLatenessMs: fc.nat(200),
      idleFlushMs: fc.nat(300),
      maxEvents: options.uncapped ? fc.constant(1_000_000) : fc.integer({ min: 1, max: 8 }),
      maxBytes: options.uncapped ? fc.constant(1_000_000) : fc.integer({ min: 1, max: 80 }),
      mode: options.mode ? fc.constant(options.mode) : fc.constantFrom<WindowMode>('all', 'latest'),
    })
    .map(({ hopDivisor, ...rest }) => ({ stream, ...rest, hopMs: Math.max(1, Math.floor(rest.windowMs / hopDivisor)) }));
}

const shape = { streams: ['s', 'h', 'z'], maxLagMs: 400, maxStepMs: 400 };
/** 's' and 'h' are windowed; 'z' has no config (consumed, never windowed). */
const mixedConfigs = fc.tuple(configArbitrary('s'), configArbitrary('h'));

function countBy<K>(keys: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function sizeOfPart(window: EmittedWindow<Payload>, sizes: ReadonlyMap<string, number>): number {
  return window.events.reduce((sum, payload) => sum + (sizes.get(payload.id) ?? 0), 0);
}

describe('Windower properties', () => {
  it('all mode, tumbling: every event lands in exactly one emitted window once flushed (late ones included)', () => {
    fc.assert(
      fc.property(configArbitrary('s', { mode: 'all', tumbling: true }), stepsArbitrary(shape), (config, steps) => {
        const emitted = runAll(newWindower([config]), steps);
        const expected = inputEvents(steps).filter((e) => e.stream === 's').map((e) => e.payload.id);
        const actual = emitted.flatMap((w) => w.events.map((payload) => payload.id));
        expect(countBy(actual)).toEqual(countBy(expected));
        expect(actual).toHaveLength(expected.length);
        for (const window of emitted) {
          const positions = window.events.map((payload) => payload.seq);
          // Arrival order within a part (hence per-entity order: Kafka keys by entity).
          positions.forEach((position, i) => i === 0 || expect(position > (positions[i - 1] as number)).toBe(true));
          // An event outside the window's range is there only because it was late.
          window.events.forEach((payload, i) => {
            const inside = payload.eventTimeMs >= window.windowStartMs && payload.eventTimeMs < window.windowEndMs;
            if (!inside) expect(window.late[i]).toBe(true);
          });
          expect(window.lateCount).toBe(window.late.filter(Boolean).length);
        }
      }),
    );
  });

  it('hopping: an event is in every open window covering it, or alone and flagged late in one', () => {
    fc.assert(
      fc.property(configArbitrary('s', { mode: 'all' }), stepsArbitrary(shape), (config, steps) => {
        const emitted = runAll(newWindower([config]), steps);
        const places = new Map<string, { start: number; late: boolean }[]>();
        for (const window of emitted) {
          window.events.forEach((payload, i) => {
            places.set(payload.id, [...(places.get(payload.id) ?? []), { start: window.windowStartMs, late: window.late[i] as boolean }]);
          });
        }
        for (const e of inputEvents(steps).filter((input) => input.stream === 's')) {
          const found = places.get(e.payload.id) ?? [];
          expect(found.length).toBeGreaterThan(0);
          if (found.some((place) => place.late)) {
            expect(found).toHaveLength(1);
            continue;
          }
          const starts = found.map((place) => place.start);
          // Parts of one window share a start, but an event is in only one part of it.
          expect(new Set(starts).size).toBe(starts.length);
          for (const start of starts) {
            expect(e.eventTimeMs).toBeGreaterThanOrEqual(start);
            expect(e.eventTimeMs).toBeLessThan(start + config.windowMs);
          }
          expect(starts.length).toBeLessThanOrEqual(Math.ceil(config.windowMs / (config.hopMs as number)));
        }
      }),
    );
  });

  it('latest mode keeps exactly the highest version per entity of what all mode would put in the same part', () => {
    fc.assert(
      fc.property(configArbitrary('s', { uncapped: true, mode: 'all' }), stepsArbitrary(shape, { versions: 'random' }), (config, steps) => {
        const all = runAll(newWindower([config]), steps);
        const latest = runAll(newWindower([{ ...config, mode: 'latest' }]), steps);
        expect(latest.map((w) => w.windowId)).toEqual(all.map((w) => w.windowId));
        latest.forEach((window, i) => {
          const changes = (all[i] as EmittedWindow<Payload>).events;
          const newest = new Map<string, Payload>();
          for (const change of changes) {
            const kept = newest.get(change.entityId);
            if (kept === undefined || compareVersions(change.version, kept.version) > 0) newest.set(change.entityId, change);
          }
          expect(window.events).toEqual([...newest.values()]);
          expect(window.coalescedCount).toBe(changes.length - window.events.length);
        });
      }),
    );
  });

  it('never exceeds maxEvents or maxBytes, except one oversized event alone', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), (configs, steps) => {
        const emitted = runAll(newWindower(configs), steps);
        const sizes = new Map(inputEvents(steps).map((e) => [e.payload.id, e.sizeBytes]));
        for (const window of emitted) {
          const config = configs.find((c) => c.stream === window.stream) as StreamWindowConfig;
          expect(window.events.length).toBeGreaterThan(0);
          expect(window.events.length).toBeLessThanOrEqual(config.maxEvents);
          expect(window.sizeBytes).toBe(sizeOfPart(window, sizes));
          if (window.events.length > 1) expect(window.sizeBytes).toBeLessThanOrEqual(config.maxBytes);
        }
      }),
    );
  });

  it('is deterministic, with unique ids emitted in increasing (windowStart, part) order per stream', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), (configs, steps) => {
        const first = runAll(newWindower(configs), steps);
        expect(runAll(newWindower(configs), steps)).toEqual(first);
        expect(new Set(first.map((w) => w.windowId)).size).toBe(first.length);
        for (const stream of ['s', 'h']) {
          const positions = first.filter((w) => w.stream === stream).map((w) => [w.windowStartMs, w.part] as const);
          positions.forEach(([start, part], i) => {
            if (i === 0) return;
            const [previousStart, previousPart] = positions[i - 1] as readonly [number, number];
            expect(start > previousStart || (start === previousStart && part === previousPart + 1)).toBe(true);
          });
        }
        for (const window of first) expect(window.windowId).toBe(`${window.stream}/${window.windowStartMs}/${P}/${window.part}`);
      }),
    );
  });

  it('commits only offsets no longer buffered, never moving backwards, and accounts their bytes', () => {
    fc.assert(
      fc.property(configArbitrary('s', { mode: 'all', tumbling: true }), stepsArbitrary(shape), (config, steps) => {
        const windower = newWindower([config]);
        const pending = new Map<string, { offset: string; sizeBytes: number }>();
        let previous: bigint | undefined;
        for (const step of steps) {
          if (step.kind === 'batch') for (const e of step.events) if (e.stream === 's') pending.set(e.payload.id, e);
          const { emitted, checkpoint } = runStep(windower, step);
          for (const window of emitted) for (const payload of window.events) pending.delete(payload.id);
          if (checkpoint === undefined) continue;
          const committable = BigInt(checkpoint.offset);
          // A record with a change still buffered is re-read whole: its offset bounds the commit.
          for (const { offset } of pending.values()) expect(committable <= BigInt(offset)).toBe(true);
          if (previous !== undefined) expect(committable >= previous).toBe(true);
          previous = committable;
          expect(windower.bufferedBytes()).toBe([...pending.values()].reduce((sum, e) => sum + e.sizeBytes, 0));
        }
        windower.flushPartition(P);
        const last = inputEvents(steps).at(-1);
        if (last) expect(windower.committableOffset(P)).toBe(String(BigInt(last.offset) + 1n));
        expect(windower.bufferedBytes()).toBe(0);
      }),
    );
  });

  it('flushes by watermark or idle rule never early, and an idle partition always drains (no deadlock when paused)', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), (configs, steps) => {
        const windower = newWindower(configs);
        const maxEventTime = new Map<string, number>();
        const lastArrival = new Map<string, number>();
        let nowMs = 0;
        for (const step of steps) {
          nowMs = step.nowMs;
          if (step.kind === 'batch') {
            for (const e of step.events) {
              maxEventTime.set(e.stream, Math.max(maxEventTime.get(e.stream) ?? -Infinity, e.eventTimeMs));
              lastArrival.set(e.stream, step.nowMs);
            }
          }
          for (const window of runStep(windower, step).emitted) {
            const config = configs.find((c) => c.stream === window.stream) as StreamWindowConfig;
            const maxTime = maxEventTime.get(window.stream) as number;
            if (window.reason === 'watermark') expect(window.windowEndMs).toBeLessThanOrEqual(maxTime - config.allowedLatenessMs);
            if (window.reason === 'idle') {
              expect(step.kind).toBe('tick');
              const extrapolated = maxTime + (step.nowMs - (lastArrival.get(window.stream) as number));
              expect(window.windowEndMs + config.allowedLatenessMs + config.idleFlushMs).toBeLessThanOrEqual(extrapolated);
            }
          }
        }
        // Paused (no more records): within 2 × window + lateness + idle of processing time everything is out.
        // Two windows, not one: a late record goes into the next window, which may end up to two window
        // lengths after the stream's max event time (seed 1263654847 found it).
        windower.tick(P, nowMs + 2 * 300 + 200 + 300);
        expect(windower.bufferedBytes()).toBe(0);
      }),
    );
  });

  it('never moves the committable offset backwards, in any mode and geometry', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), (configs, steps) => {
        const windower = newWindower(configs);
        let previous = -1n;
        for (const step of steps) {
          const offset = runStep(windower, step).checkpoint?.offset;
          if (offset === undefined) continue;
          expect(BigInt(offset) >= previous).toBe(true);
          previous = BigInt(offset);
        }
        windower.flushPartition(P);
        expect(windower.bufferedBytes()).toBe(0);
      }),
    );
  });
});

/**
 * The shell after a crash: restore from the last committed checkpoint, re-read the partition from the
 * committed offset (the records consumed up to the crash, in their original batches), carry on.
 */
function restart(configs: StreamWindowConfig[], checkpoint: StepResult['checkpoint'], consumed: readonly Step[]): Windower<Payload> {
  const windower = newWindower(configs);
  windower.restorePartition(P, checkpoint?.metadata);
  const from = checkpoint ? BigInt(checkpoint.offset) : -1n;
  for (const step of consumed) {
    if (step.kind !== 'batch') continue;
    const reread = step.events.filter((e) => BigInt(e.offset) >= from);
    // Re-reading what was consumed before the crash rebuilds the buffers; it completes nothing.
    if (reread.length > 0) expect(windower.add(P, reread, step.nowMs)).toEqual([]);
  }
  return windower;
}

describe('Windower crash and restart', () => {
  it('committed windows + windows after a restart from the checkpoint = the uninterrupted run (nothing twice, nothing lost)', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), fc.nat(), (configs, steps, crashSeed) => {
        fc.pre(steps.length > 0);
        const uninterrupted = newWindower(configs);
        const results = steps.map((step) => runStep(uninterrupted, step));
        const expected = [...results.flatMap((r) => r.emitted), ...uninterrupted.flushPartition(P)];

        const crashAfter = crashSeed % steps.length;
        const checkpoint = (results[crashAfter] as StepResult).checkpoint;
        const restarted = restart(configs, checkpoint, steps.slice(0, crashAfter + 1));
        // After the re-read the restarted state is the committed one.
        expect(restarted.checkpoint(P)).toEqual(checkpoint);
        const afterRestart = [...steps.slice(crashAfter + 1).flatMap((step) => runStep(restarted, step).emitted), ...restarted.flushPartition(P)];
        expect([...results.slice(0, crashAfter + 1).flatMap((r) => r.emitted), ...afterRestart]).toEqual(expected);
      }),
    );
  });

  it('survives a second crash in the middle of the re-read', () => {
    fc.assert(
      fc.property(mixedConfigs, stepsArbitrary(shape, { versions: 'random' }), fc.nat(), fc.nat(), (configs, steps, crashSeed, secondSeed) => {
        fc.pre(steps.length > 0);
        const uninterrupted = newWindower(configs);
        const results = steps.map((step) => runStep(uninterrupted, step));
        const expected = [...results.flatMap((r) => r.emitted), ...uninterrupted.flushPartition(P)];

        const crashAfter = crashSeed % steps.length;
        const consumed = steps.slice(0, crashAfter + 1);
        const firstCheckpoint = (results[crashAfter] as StepResult).checkpoint;
        // Re-read only part of the consumed records, commit (nothing emitted), crash again.
        const partial = restart(configs, firstCheckpoint, consumed.slice(0, secondSeed % consumed.length));
        const secondCheckpoint = partial.checkpoint(P) ?? firstCheckpoint;
        expect(secondCheckpoint?.offset).toBe(firstCheckpoint?.offset);
        const restarted = restart(configs, secondCheckpoint, consumed);
        const afterRestart = [...steps.slice(crashAfter + 1).flatMap((step) => runStep(restarted, step).emitted), ...restarted.flushPartition(P)];
        expect([...results.slice(0, crashAfter + 1).flatMap((r) => r.emitted), ...afterRestart]).toEqual(expected);
      }),
    );
  });
});
