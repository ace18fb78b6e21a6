import { BackpressureLatch } from './backpressure';
import { normalizeByteBudget, normalizeStreamConfigs, type ByteBudgetConfig, type NormalizedStreamConfig } from './config';
import { PartitionWindower } from './partition-windower';
import { parseResumeState } from './resume-state';
import type { EmittedWindow, IgnoredCounters, PartitionCheckpoint, RecordSlot, StreamWindowConfig, WindowEvent, WindowingCounters } from './types';

export interface WindowerOptions {
  readonly streams: readonly StreamWindowConfig[];
  readonly budget: ByteBudgetConfig;
}

export interface WindowingCountersSnapshot {
  readonly streams: Readonly<Record<string, Readonly<WindowingCounters>>>;
  readonly ignored: Readonly<IgnoredCounters>;
}

function zeroCounters(): WindowingCounters {
  return { receivedEvents: 0, lateEvents: 0, coalescedEvents: 0, emittedParts: 0, emittedEvents: 0, splitParts: 0, orderClosures: 0, idleFlushes: 0, replaySkippedEvents: 0 };
}

/**
 * Micro-windows for one windower instance: per source partition, per stream. Pure and synchronous;
 * the only clock is the `nowMs` the caller passes, so the same calls always give the same windows.
 *
 * Per partition the shell (which serialises calls per partition) does:
 *   restorePartition (on assignment) → add / skipOffset (each batch) and tick (periodically) →
 *   produce the returned windows and commit checkpoint() in one transaction → revokePartition (on loss).
 * After every batch and tick it asks overBudget() to pause or resume fetching.
 */
export class Windower<T> {
  private readonly configs: ReadonlyMap<string, NormalizedStreamConfig>;
  private readonly partitionStates = new Map<number, PartitionWindower<T>>();
  private readonly streamCounters = new Map<string, WindowingCounters>();
  private readonly ignored: IgnoredCounters = { unknownStream: 0, staleOffset: 0, skipped: 0 };
  private readonly latch: BackpressureLatch;

  constructor(options: WindowerOptions) {
    this.configs = normalizeStreamConfigs(options.streams);
    const budget = normalizeByteBudget(options.budget);
    this.latch = new BackpressureLatch(budget.highWaterBytes, budget.lowWaterBytes);
    for (const stream of this.configs.keys()) this.streamCounters.set(stream, zeroCounters());
  }

  /** Whether events of this stream are windowed (others are consumed and counted as ignored). */
  hasStream(stream: string): boolean {
    return this.configs.has(stream);
  }

  /**
   * Replaces a partition's state with what was committed with its offset (the metadata of
   * checkpoint()); absent metadata (a partition never windowed) starts empty. Required when a partition
   * is assigned — and after every revokePartition — before its first batch. Throws WindowingStateError
   * for metadata it cannot trust.
   */
  restorePartition(partition: number, metadata: string | null | undefined): void {
    this.partitionStates.set(partition, this.newPartition(partition, metadata));
  }

  /**
   * Forgets a partition without emitting anything: the new owner re-reads from the committed offset
   * and, with the committed resume state, rebuilds exactly what was buffered. The safe choice on every
   * rebalance, error and shutdown.
   */
  revokePartition(partition: number): void {
    this.partitionStates.delete(partition);
  }

  /**
   * Windows a batch of one partition (offset order, as kafkajs delivers it) at processing time `nowMs`.
   * Returns the parts that became complete. Throws RangeError — before changing anything — for an
   * event with a malformed offset, event time or size (the shell should dead-letter those and
   * skipOffset them).
   */
  add(partition: number, events: readonly WindowEvent<T>[], nowMs: number): EmittedWindow<T>[] {
    const out: EmittedWindow<T>[] = [];
    this.partitionOf(partition).add(events, nowMs, out);
    return out;
  }

  /**
   * Marks a consumed record — or one change of a record carrying several (`slot`) — that carries nothing
   * to window, so the committable offset can pass it.
   */
  skipOffset(partition: number, offset: string, slot?: RecordSlot): void {
    this.partitionOf(partition).skipOffset(offset, slot);
  }

  /** Processing-time flushes of idle streams on a partition. */
  tick(partition: number, nowMs: number): EmittedWindow<T>[] {
    const out: EmittedWindow<T>[] = [];
    this.partitionStates.get(partition)?.tick(nowMs, out);
    return out;
  }

  /**
   * Emits everything a partition buffers, closing its windows. Only for a bounded input that ends
   * (tools, tests, a final drain whose output is committed with its checkpoint) — not for rebalances
   * nor while a restored partition is still re-reading: flushed windows are cut early, and events
   * still to come for them become late.
   */
  flushPartition(partition: number): EmittedWindow<T>[] {
    const out: EmittedWindow<T>[] = [];
    this.partitionStates.get(partition)?.flush(out);
    return out;
  }

  /** Consumer offset + resume metadata to commit with the windows emitted so far; undefined if nothing was consumed. */
  checkpoint(partition: number): PartitionCheckpoint | undefined {
    return this.partitionStates.get(partition)?.checkpoint();
  }

  /** The offset of the record holding the smallest change still buffered, else the record after the last consumed one. */
  committableOffset(partition: number): string | undefined {
    return this.partitionStates.get(partition)?.committableOffset()?.toString();
  }

  /**
   * True while a restored partition (or, without an argument, any partition) is still re-reading the
   * records it had consumed before the restore. Its idle flushes wait until then, so the shell must keep
   * fetching it even over budget: pausing it there would leave its buffer with no way to drain.
   */
  replaying(partition?: number): boolean {
    if (partition !== undefined) return this.partitionStates.get(partition)?.replaying() ?? false;
    for (const state of this.partitionStates.values()) if (state.replaying()) return true;
    return false;
  }

  /** Partitions with state, ascending. */
  partitions(): number[] {
    return [...this.partitionStates.keys()].sort((a, b) => a - b);
  }

  /** Bytes buffered by one partition, or by the whole instance. */
  bufferedBytes(partition?: number): number {
    if (partition !== undefined) return this.partitionStates.get(partition)?.bufferedBytes() ?? 0;
    let total = 0;
    for (const state of this.partitionStates.values()) total += state.bufferedBytes();
    return total;
  }

  /** True from the high-water mark until the buffer drained to the low-water mark: pause fetching meanwhile. */
  overBudget(): boolean {
    return this.latch.update(this.bufferedBytes());
  }

  counters(): WindowingCountersSnapshot {
    const streams = Object.fromEntries([...this.streamCounters].map(([stream, counters]) => [stream, { ...counters }]));
    return { streams, ignored: { ...this.ignored } };
  }

  /**
   * A partition must be restored before its first record: starting it empty by accident would window
   * the re-read records again (duplicates, and ids the compressor drops as re-deliveries).
   */
  private partitionOf(partition: number): PartitionWindower<T> {
    const state = this.partitionStates.get(partition);
    if (state === undefined) throw new Error(`partition ${partition} has no windowing state: call restorePartition(${partition}, committedMetadata) when it is assigned`);
    return state;
  }

  private newPartition(partition: number, metadata: string | null | undefined): PartitionWindower<T> {
    if (!Number.isSafeInteger(partition) || partition < 0) throw new RangeError(`partition ${partition} is not a non-negative integer`);
    return new PartitionWindower<T>(partition, this.configs, (stream) => this.streamCounters.get(stream) ?? zeroCounters(), this.ignored, parseResumeState(metadata));
  }
}
