import type { NormalizedStreamConfig } from './config';
import { OffsetLedger } from './offset-ledger';
import { serializeResumeState, type PartitionResumeState, type StreamResumeState } from './resume-state';
import { StreamWindower } from './stream-windower';
import type { EmittedWindow, IgnoredCounters, PartitionCheckpoint, WindowEvent, WindowingCounters } from './types';

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
  /** While set, records up to it were consumed before the restore and are classified, not windowed blindly. */
  private replayThroughOffset: bigint | undefined;

  constructor(
    readonly partition: number,
    private readonly configs: ReadonlyMap<string, NormalizedStreamConfig>,
    private readonly countersOf: CountersOf,
    private readonly ignored: IgnoredCounters,
    resume?: PartitionResumeState,
  ) {
    this.ledger = new OffsetLedger(resume?.committedOffset);
    this.restoredStreams = resume?.streams ?? new Map();
    const through = resume?.consumedThroughOffset;
    this.replayThroughOffset = resume !== undefined && through !== undefined && through >= resume.committedOffset ? through : undefined;
  }

  /** Windows a batch (in offset order); returns via `out` the parts it completed. */
  add(events: readonly WindowEvent<T>[], nowMs: number, out: EmittedWindow<T>[]): void {
    // Parse every offset first: a malformed batch is refused before it changes any state.
    const offsets = events.map(checkedOffset);
    events.forEach((event, i) => {
      const offset = offsets[i] as bigint;
      if (this.ledger.isStale(offset)) {
        this.ignored.staleOffset += 1;
        return;
      }
      const previousOffset = this.ledger.lastSeen();
      const replaying = this.consume(offset);
      const config = this.configs.get(event.stream);
      if (config === undefined) {
        this.ignored.unknownStream += 1;
        return;
      }
      const record = this.ledger.track(offset, event.sizeBytes);
      this.streamOf(config).admit(event, record, offset, previousOffset, nowMs, replaying, out);
    });
  }

  /** Consumes an offset that carries nothing to window (a record the shell dead-lettered or cannot decode). */
  skipOffset(offsetText: string): void {
    const offset = parseOffset(offsetText);
    if (this.ledger.isStale(offset)) return;
    this.ignored.skipped += 1;
    this.consume(offset);
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

  committableOffset(): bigint | undefined {
    return this.ledger.committableOffset();
  }

  /** True until the re-read after a restore has reached the offset consumed before it. */
  replaying(): boolean {
    return this.replayThroughOffset !== undefined;
  }

  bufferedBytes(): number {
    return this.ledger.bufferedBytes();
  }

  /** Offset + resume state to commit together; undefined before the partition consumed anything. */
  checkpoint(): PartitionCheckpoint | undefined {
    const committedOffset = this.ledger.committableOffset();
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

  /** Marks an offset consumed; true when it had already been consumed before the restore. */
  private consume(offset: bigint): boolean {
    this.ledger.markSeen(offset);
    const through = this.replayThroughOffset;
    if (through === undefined) return false;
    if (offset >= through) this.replayThroughOffset = undefined;
    return offset <= through;
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

function checkedOffset(event: WindowEvent<unknown>): bigint {
  if (!Number.isFinite(event.eventTimeMs)) throw new RangeError(`event at offset ${event.offset}: eventTimeMs must be a finite number`);
  if (!Number.isFinite(event.sizeBytes) || event.sizeBytes < 0) throw new RangeError(`event at offset ${event.offset}: sizeBytes must be a finite number ≥ 0`);
  return parseOffset(event.offset);
}
