import type { NormalizedStreamConfig } from './config';
import { OffsetLedger } from './offset-ledger';
import { serializeResumeState, type PartitionResumeState, type StreamResumeState } from './resume-state';
import { StreamWindower } from './stream-windower';
import { MAX_CHANGES_PER_RECORD, positionOf, recordOffsetOf } from './record-position';
import type { EmittedWindow, IgnoredCounters, PartitionCheckpoint, RecordSlot, WindowEvent, WindowingCounters } from './types';

/** Gives the cumulative counters of a stream (shared by all partitions of the instance). */
export type CountersOf = (stream: string) => WindowingCounters;

/**
 * All windowing state of one source partition: one StreamWindower per stream seen on it, and the
 * ledger of its offsets (what is still buffered, hence what may be committed).
 */
export class PartitionWindower<T> {
  private readonly ledger: OffsetLedger;
  private readonly streams = new Map<string, StreamWindower<T>>();
  private readonly restoredStreams: ReadonlyMap<string, StreamResumeState>;
  /** While set, positions up to it were consumed before the restore and are classified, not windowed blindly. */
  private replayThroughOffset: bigint | undefined;

  constructor(
    readonly partition: number,
    private readonly configs: ReadonlyMap<string, NormalizedStreamConfig>,
    private readonly countersOf: CountersOf,
    private readonly ignored: IgnoredCounters,
    resume?: PartitionResumeState,
  ) {
    // Consumption resumes at the first change of the committed record.
    const resumeAt = resume === undefined ? undefined : positionOf(resume.committedOffset, 0);
    const through = resume?.consumedThroughOffset;
    const replayThrough = resumeAt !== undefined && through !== undefined && through >= resumeAt ? through : undefined;
    // With nothing to re-read, the committed last position is the last seen one (the same checkpoint again).
    this.ledger = new OffsetLedger(resumeAt, replayThrough === undefined ? through : undefined);
    this.restoredStreams = resume?.streams ?? new Map();
    this.replayThroughOffset = replayThrough;
  }

  /** Windows a batch (in position order); returns via `out` the parts it completed. */
  add(events: readonly WindowEvent<T>[], nowMs: number, out: EmittedWindow<T>[]): void {
    // Parse every position first: a malformed batch is refused before it changes any state.
    const positions = events.map(checkedPosition);
    events.forEach((event, i) => {
      const position = positions[i] as bigint;
      if (this.ledger.isStale(position)) {
        this.ignored.staleOffset += 1;
        return;
      }
      const previousPosition = this.ledger.lastSeen();
      const replaying = this.consume(position, isLastInRecord(event.record));
      const config = this.configs.get(event.stream);
      if (config === undefined) {
        this.ignored.unknownStream += 1;
        return;
      }
      const record = this.ledger.track(position, event.sizeBytes);
      this.streamOf(config).admit(event, record, position, previousPosition, nowMs, replaying, out);
    });
  }

  /** Consumes a record, or one change of a record, that carries nothing to window (dead-lettered, undecodable). */
  skipOffset(offsetText: string, slot: RecordSlot | undefined): void {
    const position = positionOf(parseOffset(offsetText), checkedSlot(slot, offsetText).index);
    if (this.ledger.isStale(position)) return;
    this.ignored.skipped += 1;
    this.consume(position, isLastInRecord(slot));
  }

  /**
   * Processing-time flushes. Deferred while re-read records are still being consumed after a restore:
   * flushing then would close windows the committed state says are still owed records (re-reading is
   * fast, so the delay is short).
   */
  tick(nowMs: number, out: EmittedWindow<T>[]): void {
    if (this.replayThroughOffset !== undefined) return;
    for (const stream of this.streamsInConfigOrder()) stream.tick(nowMs, out);
  }

  /** Closes every window of every stream (end of input). */
  flush(out: EmittedWindow<T>[]): void {
    for (const stream of this.streamsInConfigOrder()) stream.flush(out);
  }

  /** True until the re-read after a restore has reached the offset consumed before it. */
  replaying(): boolean {
    return this.replayThroughOffset !== undefined;
  }

  bufferedBytes(): number {
    return this.ledger.bufferedBytes();
  }

  /** The consumer offset to commit: the record holding the smallest position still needed. */
  committableOffset(): bigint | undefined {
    const position = this.ledger.committableOffset();
    return position === undefined ? undefined : recordOffsetOf(position);
  }

  /** Offset + resume state to commit together; undefined before the partition consumed anything. */
  checkpoint(): PartitionCheckpoint | undefined {
    const committedOffset = this.committableOffset();
    if (committedOffset === undefined) return undefined;
    const lastSeen = this.ledger.lastSeen();
    // Until the re-read reaches the restored position, that position still bounds what was consumed.
    const consumedThroughOffset = this.replayThroughOffset !== undefined && (lastSeen === undefined || this.replayThroughOffset > lastSeen) ? this.replayThroughOffset : lastSeen;
    const streams = new Map<string, StreamResumeState>();
    for (const name of this.configs.keys()) {
      // A stream restored but not seen since keeps its committed state (its re-read may still come).
      const state = this.streams.get(name)?.resumeState() ?? this.restoredStreams.get(name);
      if (state !== undefined) streams.set(name, state);
    }
    const metadata = serializeResumeState({ committedOffset, consumedThroughOffset, streams });
    return { offset: committedOffset.toString(), metadata };
  }

  /** Marks a position consumed; true when it had already been consumed before the restore. */
  private consume(position: bigint, lastInRecord: boolean): boolean {
    this.ledger.markSeen(position, lastInRecord);
    const through = this.replayThroughOffset;
    if (through === undefined) return false;
    if (position >= through) this.replayThroughOffset = undefined;
    return position <= through;
  }

  /**
   * Config order, not first-seen order: which stream a partition happened to see first differs after a
   * restart, and the output order must not.
   */
  private *streamsInConfigOrder(): Iterable<StreamWindower<T>> {
    for (const name of this.configs.keys()) {
      const stream = this.streams.get(name);
      if (stream !== undefined) yield stream;
    }
  }

  private streamOf(config: NormalizedStreamConfig): StreamWindower<T> {
    let stream = this.streams.get(config.stream);
    if (stream === undefined) {
      stream = new StreamWindower<T>(config, this.partition, this.ledger, this.countersOf(config.stream), this.restoredStreams.get(config.stream));
      this.streams.set(config.stream, stream);
    }
    return stream;
  }
}

const OFFSET = /^\d+$/;

function parseOffset(text: string): bigint {
  if (!OFFSET.test(text)) throw new RangeError(`offset "${text}" is not a non-negative integer`);
  return BigInt(text);
}

function checkedSlot(slot: RecordSlot | undefined, offset: string): RecordSlot {
  if (slot === undefined) return SINGLE;
  const { index, changes } = slot;
  if (!Number.isSafeInteger(changes) || changes < 1 || changes > MAX_CHANGES_PER_RECORD) throw new RangeError(`record at offset ${offset}: changes must be an integer in [1, ${MAX_CHANGES_PER_RECORD}]`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= changes) throw new RangeError(`record at offset ${offset}: index ${index} is not in [0, ${changes})`);
  return slot;
}

const SINGLE: RecordSlot = { index: 0, changes: 1 };

function isLastInRecord(slot: RecordSlot | undefined): boolean {
  return slot === undefined || slot.index === slot.changes - 1;
}

function checkedPosition(event: WindowEvent<unknown>): bigint {
  if (!Number.isFinite(event.eventTimeMs)) throw new RangeError(`event at offset ${event.offset}: eventTimeMs must be a finite number`);
  if (!Number.isFinite(event.sizeBytes) || event.sizeBytes < 0) throw new RangeError(`event at offset ${event.offset}: sizeBytes must be a finite number ≥ 0`);
  return positionOf(parseOffset(event.offset), checkedSlot(event.record, event.offset).index);
}
