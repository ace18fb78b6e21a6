import { nextRecordPosition } from './record-position';

/**
 * One consumed change while some window still holds it (`offset` is its position, see
 * record-position.ts). `holders` counts the window parts that will carry it (several with hopping
 * windows; coalesced-away versions stay held until the part that superseded them is emitted, so a replay
 * re-reads them and reproduces the same coalescedCount).
 */
export interface BufferedRecord {
  readonly offset: bigint;
  readonly sizeBytes: number;
  holders: number;
}

/** Lazy head compaction threshold: shifting one element per release would be O(n) each time. */
const COMPACT_AFTER = 1024;

/**
 * The positions of one source partition (record offset + index of the change in its record, packed in
 * one bigint by record-position.ts): which changes are still buffered, how many bytes they hold, and so
 * which position is safe to commit. Changes arrive in position order (Kafka order within a partition),
 * so the smallest held position is found by skipping released entries at the head of a FIFO — amortised
 * O(1), no sorting.
 */
export class OffsetLedger {
  private readonly records: BufferedRecord[] = [];
  private head = 0;
  private heldBytes = 0;
  private lastSeenPosition: bigint | undefined;

  /**
   * @param nextUnseen the first position not consumed yet (the committed record's first change after a restore).
   * @param lastSeen the last position consumed before it, when known; else the position just before it.
   */
  constructor(
    private nextUnseen: bigint | undefined = undefined,
    lastSeen: bigint | undefined = undefined,
  ) {
    this.lastSeenPosition = lastSeen ?? (nextUnseen === undefined ? undefined : nextUnseen - 1n);
  }

  /** True for a position at or below one already consumed: a re-delivery to ignore. */
  isStale(position: bigint): boolean {
    return this.nextUnseen !== undefined && position < this.nextUnseen;
  }

  /**
   * Records that `position` was consumed (whether or not anything holds it). After the last change of a
   * record nothing of it is left unseen, so the next unseen position is the next record's first.
   */
  markSeen(position: bigint, lastInRecord: boolean): void {
    this.lastSeenPosition = position;
    this.nextUnseen = lastInRecord ? nextRecordPosition(position) : position + 1n;
  }

  /** The last consumed position, if any. */
  lastSeen(): bigint | undefined {
    return this.lastSeenPosition;
  }

  /** Starts tracking a consumed record; it holds no bytes until a window retains it. */
  track(offset: bigint, sizeBytes: number): BufferedRecord {
    // Also compacts here, so memory stays bounded even if nobody asks for the committable offset.
    this.dropReleasedHead();
    const record: BufferedRecord = { offset, sizeBytes, holders: 0 };
    this.records.push(record);
    return record;
  }

  retain(record: BufferedRecord): void {
    if (record.holders === 0) this.heldBytes += record.sizeBytes;
    record.holders += 1;
  }

  release(record: BufferedRecord): void {
    record.holders -= 1;
    if (record.holders === 0) this.heldBytes -= record.sizeBytes;
  }

  /** Bytes of the records some window still holds (each record counted once). */
  bufferedBytes(): number {
    return this.heldBytes;
  }

  /**
   * The position to commit from: the smallest position still held, else the next unseen one; undefined
   * before anything was consumed. Never moves backwards: new changes come after every seen position, and
   * the head only moves past released ones.
   */
  committableOffset(): bigint | undefined {
    this.dropReleasedHead();
    return this.records[this.head]?.offset ?? this.nextUnseen;
  }

  private dropReleasedHead(): void {
    while (this.head < this.records.length && (this.records[this.head] as BufferedRecord).holders === 0) this.head += 1;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records.splice(0, this.head);
      this.head = 0;
    }
  }
}
