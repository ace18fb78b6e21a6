import { StreamCursor } from './stream-cursor';

/** Where the handoff sends its decisions; the server wires these to the queue and the Kafka readers. */
export interface HandoffSink<T> {
  /** Deliver this frame: seqs arrive strictly increasing with no hole. */
  frame(seq: number, item: T): void;
  /** These frames exist neither in Kafka nor in the live feed any more: send a retention gap notice. */
  gap(firstMissingSeq: number, lastMissingSeq: number): void;
  /** The live feed skipped seqs: read the stream from Kafka from this seq (frames keep coming to `replayed`). */
  startReplay(fromSeq: number): void;
  /** Replay has met the live feed (or ended): release the replay reader. */
  stopReplay(): void;
}

export interface HandoffOptions<T> {
  /** The seq the client already has (the start plan's afterSeq). */
  readonly afterSeq: number;
  /** True when the start plan has a replay range; the caller starts that replay itself. */
  readonly replaying: boolean;
  readonly sink: HandoffSink<T>;
  /**
   * Live frames held while replay catches up. Beyond it the oldest are let go: they are still in Kafka,
   * so replay simply reads further before meeting the live feed. Bounds memory for slow replays.
   */
  readonly maxBufferedLive?: number;
}

export type HandoffMode = 'replaying' | 'live';

/**
 * Switches one subscription's stream from replay (reading Kafka from a past seq) to the live fan-out,
 * with no gap and no duplicate:
 *
 * 1. Register for live frames BEFORE starting the replay reader, so every frame produced from then on
 *    reaches `live`; everything older is in Kafka for the replay.
 * 2. While replaying, live frames are buffered (contiguous, duplicates dropped), replayed frames are
 *    delivered through the StreamCursor.
 * 3. As soon as the cursor reaches the frame before the first buffered live seq, the buffer is flushed
 *    through the cursor (seqs already delivered by replay are dropped) and the stream is live; the
 *    replay reader is stopped.
 * 4. Live, each frame goes through the cursor: duplicates are dropped; a gap (the live reader skipped,
 *    e.g. after a rebalance) switches back to replaying from the missing seq, buffering live again.
 * Frames missing from both (deleted by retention mid-replay) become a gap notice, never a silent hole.
 */
export class ReplayLiveHandoff<T> {
  private readonly cursor: StreamCursor;
  private readonly sink: HandoffSink<T>;
  private readonly maxBufferedLive: number;
  private readonly buffer = new LiveBuffer<T>();
  private currentMode: HandoffMode;

  constructor(options: HandoffOptions<T>) {
    this.cursor = new StreamCursor(options.afterSeq);
    this.sink = options.sink;
    this.maxBufferedLive = Math.max(1, options.maxBufferedLive ?? 10_000);
    this.currentMode = options.replaying ? 'replaying' : 'live';
  }

  get mode(): HandoffMode {
    return this.currentMode;
  }

  get lastDeliveredSeq(): number {
    return this.cursor.lastDeliveredSeq;
  }

  get bufferedLive(): number {
    return this.buffer.size;
  }

  /** A frame from the live fan-out. */
  live(seq: number, item: T): void {
    if (this.currentMode === 'live') {
      const verdict = this.cursor.check(seq);
      if (verdict === 'deliver') this.deliver(seq, item);
      else if (verdict === 'gap') {
        this.currentMode = 'replaying';
        this.buffer.clear();
        this.buffer.push(seq, item);
        this.sink.startReplay(this.cursor.lastDeliveredSeq + 1);
      }
      return;
    }
    if (seq <= this.cursor.lastDeliveredSeq) return;
    this.buffer.add(seq, item, this.maxBufferedLive);
    this.tryJoinLive();
  }

  /** A frame read by the replay reader. */
  replayed(seq: number, item: T): void {
    if (this.currentMode === 'live') {
      // A frame the reader had in flight when it was stopped: harmless, the cursor decides.
      if (this.cursor.check(seq) === 'deliver') this.deliver(seq, item);
      return;
    }
    const next = this.cursor.lastDeliveredSeq + 1;
    if (seq < next) return;
    if (seq > next) {
      // Kafka no longer has next..seq-1; the live buffer may still hold the tail of that range.
      const missingUpTo = Math.min(seq, this.buffer.firstSeq ?? Number.POSITIVE_INFINITY) - 1;
      this.missing(next, missingUpTo);
      if (this.tryJoinLive()) {
        this.replayed(seq, item);
        return;
      }
    }
    this.deliver(seq, item);
    this.tryJoinLive();
  }

  /** The replay reader reached the end of the topic. */
  replayEnded(): void {
    if (this.currentMode === 'live') return;
    const first = this.buffer.firstSeq;
    const next = this.cursor.lastDeliveredSeq + 1;
    if (first !== undefined && first > next) this.missing(next, first - 1);
    if (!this.tryJoinLive()) this.goLive();
  }

  /** The client got a snapshot or gap notice covering up to `seq` by other means. */
  skipTo(seq: number): void {
    this.cursor.skipTo(seq);
    if (this.currentMode === 'replaying') this.tryJoinLive();
  }

  private tryJoinLive(): boolean {
    const first = this.buffer.firstSeq;
    if (first === undefined || first > this.cursor.lastDeliveredSeq + 1) return false;
    for (const { seq, item } of this.buffer.drain()) {
      if (this.cursor.check(seq) === 'deliver') this.deliver(seq, item);
    }
    this.goLive();
    return true;
  }

  private goLive(): void {
    this.currentMode = 'live';
    this.sink.stopReplay();
  }

  private deliver(seq: number, item: T): void {
    this.cursor.accept(seq);
    this.sink.frame(seq, item);
  }

  private missing(first: number, last: number): void {
    if (last < first) return;
    this.sink.gap(first, last);
    this.cursor.skipTo(last);
  }
}

/** Contiguous run of live frames; a hole restarts it (replay will read the hole from Kafka anyway). */
class LiveBuffer<T> {
  // Slots before `head` are cleared so dropped frames do not stay pinned.
  private items: Array<{ seq: number; item: T } | undefined> = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  get firstSeq(): number | undefined {
    return this.items[this.head]?.seq;
  }

  add(seq: number, item: T, max: number): void {
    const lastSeq = this.items[this.items.length - 1]?.seq;
    if (lastSeq !== undefined && this.size > 0) {
      if (seq <= lastSeq) return;
      if (seq > lastSeq + 1) this.clear();
    }
    this.push(seq, item);
    if (this.size > max) this.dropOldest();
  }

  push(seq: number, item: T): void {
    this.items.push({ seq, item });
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  drain(): Array<{ seq: number; item: T }> {
    const drained = this.items.slice(this.head).filter((entry) => entry !== undefined);
    this.clear();
    return drained;
  }

  private dropOldest(): void {
    this.items[this.head] = undefined;
    this.head++;
    // Compact once the dead prefix dominates, keeping the shift O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
