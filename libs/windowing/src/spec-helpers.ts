// Builders and a small simulator shared by the spec files (not part of the public API).
import fc from 'fast-check';
import type { EmittedWindow, PartitionCheckpoint, RecordSlot, StreamWindowConfig, WindowEvent } from './types';
import { Windower } from './windower';

/** Test payload: enough to recognise an input event in the output. */
export interface Payload {
  readonly offset: string;
  /** "offset.index": unique per change, also when a record carries several. */
  readonly id: string;
  /** Orders changes like their positions (offset, then index in the record). */
  readonly seq: number;
  readonly entityId: string;
  readonly version: string;
  readonly eventTimeMs: number;
}

export type TestEvent = WindowEvent<Payload>;

export const PARTITION = 3;

export function streamConfig(overrides: Partial<StreamWindowConfig> = {}): StreamWindowConfig {
  return { stream: 's', windowMs: 5000, allowedLatenessMs: 1000, idleFlushMs: 1000, maxEvents: 1000, maxBytes: 1_000_000, mode: 'all', ...overrides };
}

/** A windower owning partitions 0, 1 and PARTITION, all starting empty. */
export function newWindower(streams: StreamWindowConfig[] = [streamConfig()], highWaterBytes = 1_000_000_000): Windower<Payload> {
  const windower = new Windower<Payload>({ streams, budget: { highWaterBytes } });
  for (const partition of [0, 1, PARTITION]) windower.restorePartition(partition, undefined);
  return windower;
}

export function event(offset: number, eventTimeMs: number, options: { stream?: string; entityId?: string; version?: string; sizeBytes?: number; record?: RecordSlot } = {}): TestEvent {
  const entityId = options.entityId ?? `e${offset}`;
  const version = options.version ?? String(offset);
  const index = options.record?.index ?? 0;
  return {
    stream: options.stream ?? 's',
    entityId,
    version,
    eventTimeMs,
    sizeBytes: options.sizeBytes ?? 10,
    offset: String(offset),
    ...(options.record ? { record: options.record } : {}),
    payload: { offset: String(offset), id: `${offset}.${index}`, seq: offset * 1000 + index, entityId, version, eventTimeMs },
  };
}

/** Offsets of a window's events, for compact assertions. */
export function offsetsOf(window: EmittedWindow<Payload>): number[] {
  return window.events.map((payload) => Number(payload.offset));
}

/** One simulated step of the shell on a single partition. */
export type Step = { readonly kind: 'batch'; readonly nowMs: number; readonly events: readonly TestEvent[] } | { readonly kind: 'tick'; readonly nowMs: number };

export interface StepResult {
  readonly emitted: EmittedWindow<Payload>[];
  readonly checkpoint: PartitionCheckpoint | undefined;
}

export function runStep(windower: Windower<Payload>, step: Step): StepResult {
  const emitted = step.kind === 'batch' ? windower.add(PARTITION, step.events, step.nowMs) : windower.tick(PARTITION, step.nowMs);
  return { emitted, checkpoint: windower.checkpoint(PARTITION) };
}

/** Runs the steps, then closes everything (a far-future tick would do too, but flush is explicit). */
export function runAll(windower: Windower<Payload>, steps: readonly Step[]): EmittedWindow<Payload>[] {
  const emitted = steps.flatMap((step) => runStep(windower, step).emitted);
  return [...emitted, ...windower.flushPartition(PARTITION)];
}

export interface ScenarioShape {
  readonly streams: readonly string[];
  /** How far back (ms) an event may lag the stream's newest event time. */
  readonly maxLagMs: number;
  readonly maxStepMs: number;
}

/**
 * Random shell sessions: batches of events (offsets increasing with gaps, records of one change or of
 * several, event times mostly moving forward with some late ones, several versions per entity)
 * interleaved with ticks, the processing clock moving forward.
 */
export function stepsArbitrary(shape: ScenarioShape, options: { versions?: 'increasing' | 'random' } = {}): fc.Arbitrary<Step[]> {
  const rawEvent = fc.record({
    stream: fc.constantFrom(...shape.streams),
    entity: fc.nat(5),
    advanceMs: fc.nat(40),
    lagMs: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(shape.maxLagMs) }),
    sizeBytes: fc.integer({ min: 1, max: 30 }),
    // 0: the change shares the previous change's record (a ChangeEventBatch), within one batch.
    offsetGap: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }) }, { weight: 2, arbitrary: fc.constant(0) }),
    randomVersion: fc.oneof(fc.nat(20).map(String), fc.constantFrom('a', 'b', 'z', '007', '18446744073709551617')),
  });
  const rawStep = fc.record({ tick: fc.boolean(), advanceMs: fc.nat(shape.maxStepMs), events: fc.array(rawEvent, { maxLength: 8 }) });
  return fc.array(rawStep, { maxLength: 30 }).map((rawSteps) => {
    let offset = 100;
    let nowMs = 1_000_000;
    let timeMs = 10_000;
    const versions = new Map<string, number>();
    return rawSteps.map((raw): Step => {
      nowMs += raw.advanceMs;
      if (raw.tick) return { kind: 'tick', nowMs };
      // Records as [offset, changes]: a change with gap 0 joins the record before it (never across batches).
      const records: { offset: number; changes: (typeof raw.events)[number][] }[] = [];
      for (const e of raw.events) {
        const current = records.at(-1);
        if (e.offsetGap === 0 && current !== undefined) current.changes.push(e);
        else records.push({ offset: (offset += Math.max(1, e.offsetGap)), changes: [e] });
      }
      const events = records.flatMap((record) =>
        record.changes.map((e, index) => {
          timeMs += e.advanceMs;
          const entityId = `${e.stream}-${e.entity}`;
          const next = (versions.get(entityId) ?? 0) + 1;
          versions.set(entityId, next);
          const version = options.versions === 'random' ? e.randomVersion : String(next);
          const slot = record.changes.length > 1 ? { record: { index, changes: record.changes.length } } : {};
          return event(record.offset, timeMs - e.lagMs, { stream: e.stream, entityId, version, sizeBytes: e.sizeBytes, ...slot });
        }),
      );
      return { kind: 'batch', nowMs, events };
    });
  });
}

export function inputEvents(steps: readonly Step[]): TestEvent[] {
  return steps.flatMap((step) => (step.kind === 'batch' ? step.events : []));
}
