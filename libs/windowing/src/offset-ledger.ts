/**
 * One consumed record while some window still holds it. `holders` counts the window parts that will
 * carry it (several with hopping windows; coalesced-away versions stay held until the part that
 * superseded them is emitted, so a replay re-reads them and reproduces the same coalescedCount).
 */
export interface BufferedRecord {
  readonly offset: bigint;
  readonly sizeBytes: number;
  holders: number;
}

/** Lazy head compaction threshold: shifting one element per release would be O(n) each time. */
const COMPACT_AFTER = 1024;

/**
 * The offsets of one source partition: which records are still buffered, how many bytes they hold, and
 * so which consumer offset is safe to commit. Records arrive in offset order (Kafka order within a
 * partition), so the smallest held offset is found by skipping released records at the head of a FIFO
 * — amortised O(1), no sorting.
 */
export class OffsetLedger {
  private readonly records: BufferedRecord[] = [];
  private head = 0;
  private heldBytes = 0;

  /** @param nextUnseen the first offset not consumed yet (the committed offset after a restore). */
  constructor(private nextUnseen: bigint | undefined = undefined) {}

  /** True for an offset at or below one already consumed: a re-delivery to ignore. */
  isStale(offset: bigint): boolean {
    return this.nextUnseen !== undefined && offset < this.nextUnseen;
  }

  /** Records that `offset` was consumed (whether or not anything holds it). */
  markSeen(offset: bigint): void {
    this.nextUnseen = offset + 1n;
  }

  /** The last consumed offset, if any. */
  lastSeen(): bigint | undefined {
    return this.nextUnseen === undefined ? undefined : this.nextUnseen - 1n;
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
   * The consumer offset to commit: the smallest offset still held, else the next unseen offset;
   * undefined before anything was consumed. Never moves backwards: new records come after every seen
   * offset, and the head only moves past released records.
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
