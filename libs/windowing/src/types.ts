/** How a window treats several changes of one entity. */
export type WindowMode = 'all' | 'latest';

/** One change to window, as the shell decoded it from the events topic. */
export interface WindowEvent<T> {
  /** Stream the event belongs to; events of streams without a config are skipped (and counted). */
  readonly stream: string;
  readonly entityId: string;
  /** Entity version; compared numerically when both sides are non-negative integers, else as text. */
  readonly version: string;
  /** Event time (Unix ms): decides the window. */
  readonly eventTimeMs: number;
  /** Size the event counts against maxBytes and the instance byte budget (e.g. the record's value size). */
  readonly sizeBytes: number;
  /** Kafka offset of the record in its source partition (decimal string, as kafkajs gives it). */
  readonly offset: string;
  /**
   * For a record carrying several changes (a ChangeEventBatch): this change's 0-based index in it and
   * how many changes the record carries. Omitted: the record carries this change alone. All changes of a
   * record go to the same add() call, in index order.
   */
  readonly record?: RecordSlot;
  readonly payload: T;
}

/** A change's place in a record that carries several (see WindowEvent.record). */
export interface RecordSlot {
  readonly index: number;
  readonly changes: number;
}

/** Windowing settings of one stream (the suite file's `streams[].window`, with `ms` named `windowMs`). */
export interface StreamWindowConfig {
  readonly stream: string;
  /** Window size in ms. */
  readonly windowMs: number;
  /** Hopping windows: a new window starts every hopMs (≤ windowMs). Omit for tumbling windows. */
  readonly hopMs?: number;
  /** How far behind the newest event time a window still accepts events (the grace period). */
  readonly allowedLatenessMs: number;
  /** Extra processing-time wait before an idle stream's window is flushed (see README, "Flush rules"). */
  readonly idleFlushMs: number;
  /** Most events in one emitted part. */
  readonly maxEvents: number;
  /** Most bytes in one emitted part; a single larger event is emitted alone. */
  readonly maxBytes: number;
  readonly mode: WindowMode;
}

/** Why a part was emitted. */
export type FlushReason =
  /** The event-time watermark passed the window end: the window is complete. */
  | 'watermark'
  /** The stream was idle on this partition long enough (processing time). */
  | 'idle'
  /** The part reached maxEvents; the window stays open for further parts. */
  | 'maxEvents'
  /** The next event would have exceeded maxBytes (or one event alone is larger); the window stays open. */
  | 'maxBytes'
  /** A newer window emitted a part, so this older one had to close first to keep emission order. */
  | 'order'
  /** flushPartition() closed everything. */
  | 'flush';

/** One emitted window batch (or one part of a window split by maxEvents / maxBytes). */
export interface EmittedWindow<T> {
  /** "<stream>/<windowStartMs>/<partition>/<part>": deterministic, unique per content. */
  readonly windowId: string;
  readonly stream: string;
  readonly windowStartMs: number;
  /** Exclusive end: windowStartMs + windowMs. */
  readonly windowEndMs: number;
  /** Source partition of the events topic. */
  readonly partition: number;
  /** 0-based part index within the window. */
  readonly part: number;
  readonly mode: WindowMode;
  /** Payloads in arrival order (all mode) or one per entity, in first-seen order within the part (latest mode). */
  readonly events: readonly T[];
  /** Parallel to `events`: true for an event that arrived after its own window(s) had closed. */
  readonly late: readonly boolean[];
  /** Events of this part flagged late. */
  readonly lateCount: number;
  /** Latest mode: changes dropped in favour of a newer version of the same entity within this part. */
  readonly coalescedCount: number;
  /** Sum of `sizeBytes` of `events`. */
  readonly sizeBytes: number;
  readonly reason: FlushReason;
}

/** Cumulative per-stream counters of this process (the shell turns them into metrics). */
export interface WindowingCounters {
  /** Events admitted (replayed events included). */
  receivedEvents: number;
  /** Events that arrived after all their windows had closed and went into the oldest open window. */
  lateEvents: number;
  /** Latest mode: changes dropped for a newer version of the same entity. */
  coalescedEvents: number;
  /** Parts emitted (a window split in three counts three). */
  emittedParts: number;
  /** Events in emitted parts. */
  emittedEvents: number;
  /** Parts emitted because of maxEvents / maxBytes. */
  splitParts: number;
  /** Windows closed early because a newer window had to emit a part (ordering). */
  orderClosures: number;
  /** Parts emitted by the processing-time (idle) rule. */
  idleFlushes: number;
  /** Re-read events (after a restore) skipped because a committed window already carries them. */
  replaySkippedEvents: number;
}

/** Events the windower consumed without windowing them. */
export interface IgnoredCounters {
  /** Events of streams with no window config. */
  unknownStream: number;
  /** Events whose offset was at or below one already seen on the partition (a re-delivery). */
  staleOffset: number;
  /** Positions passed to skipOffset (records or changes the shell could not use, e.g. dead-lettered). */
  skipped: number;
}

/** What the shell commits for a partition, atomically with the windows it produced. */
export interface PartitionCheckpoint {
  /** The consumer offset to commit: the smallest offset still buffered, or last seen + 1. */
  readonly offset: string;
  /**
   * Resume state to commit as the offset's metadata; give it back to restorePartition after a restart.
   * Positions inside it are "offset" or "offset.index" (the change's index in a record of several).
   */
  readonly metadata: string;
}
