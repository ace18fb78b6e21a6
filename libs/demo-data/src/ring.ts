type ColumnCtor =
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor;

export type ColumnDefs = Record<string, ColumnCtor>;
export type Columns<D extends ColumnDefs> = { [K in keyof D]: InstanceType<D[K]> };

/**
 * A bounded, append-only ring of fixed-width records stored column by column in typed arrays (a few
 * dozen bytes a record, no object per record). Every record has a global sequence number: `firstSeq` is the
 * oldest retained, `endSeq` the next one to be written. The arrays start small and double up to
 * `maxRecords`; past that, each append evicts the oldest record.
 */
export class ColumnRing<D extends ColumnDefs> {
  cols: Columns<D>;
  private capacity: number;
  /** Physical index of `firstSeq`. */
  private start = 0;
  private first = 0;
  private end = 0;

  constructor(
    private readonly defs: D,
    readonly maxRecords: number,
    initialCapacity = 1024,
  ) {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError(`maxRecords must be a positive integer, got ${maxRecords}`);
    this.capacity = Math.min(initialCapacity, maxRecords);
    this.cols = this.allocate(this.capacity);
  }

  get firstSeq(): number {
    return this.first;
  }

  get endSeq(): number {
    return this.end;
  }

  get size(): number {
    return this.end - this.first;
  }

  /** Allocated record slots (grows by doubling up to maxRecords). */
  get allocated(): number {
    return this.capacity;
  }

  /** Physical index of a retained sequence number. */
  index(seq: number): number {
    const i = this.start + (seq - this.first);
    return i >= this.capacity ? i - this.capacity : i;
  }

  /**
   * Appends one record and returns the physical index to fill; evicts the oldest when full. Read `cols`
   * after calling: growing replaces the arrays.
   */
  push(): number {
    if (this.size === this.capacity) {
      if (this.capacity < this.maxRecords) this.grow();
      else this.dropBefore(this.first + 1);
    }
    const i = this.index(this.end);
    this.end++;
    return i;
  }

  /** Evicts every record with a sequence number below `seq`. */
  dropBefore(seq: number): void {
    const target = Math.min(Math.max(seq, this.first), this.end);
    const dropped = target - this.first;
    if (dropped === 0) return;
    this.start = (this.start + dropped) % this.capacity;
    this.first = target;
  }

  /** Copies every column of `source`'s record at physical index `from` to this ring's index `to`. */
  copyRecord(source: ColumnRing<D>, from: number, to: number): void {
    for (const key of Object.keys(this.defs) as (keyof D)[]) this.cols[key][to] = source.cols[key][from] as number;
  }

  /** Removes every record (the sequence numbering continues). */
  clear(): void {
    this.first = this.end;
    this.start = 0;
  }

  private grow(): void {
    const next = Math.min(this.capacity * 2, this.maxRecords);
    const cols = this.allocate(next);
    const size = this.size;
    for (const key of Object.keys(this.defs) as (keyof D)[]) {
      const from = this.cols[key];
      const to = cols[key];
      const head = Math.min(size, this.capacity - this.start);
      to.set(from.subarray(this.start, this.start + head), 0);
      if (head < size) to.set(from.subarray(0, size - head), head);
    }
    this.cols = cols;
    this.capacity = next;
    this.start = 0;
  }

  private allocate(capacity: number): Columns<D> {
    const cols = {} as Columns<D>;
    for (const key of Object.keys(this.defs) as (keyof D)[]) {
      const Ctor = this.defs[key] as ColumnCtor;
      cols[key] = new Ctor(capacity) as Columns<D>[keyof D];
    }
    return cols;
  }
}

/**
 * Moves the late records of `pending` that are due by `bound` (in arrival order) to the end of `ring`.
 * A record due before the ring's newest arrives with it, so `arrival` stays non-decreasing in `ring`
 * (readers binary-search it).
 */
export function releaseDue<D extends ColumnDefs & { arrival: Float64ArrayConstructor }>(pending: ColumnRing<D>, ring: ColumnRing<D>, bound: number): void {
  while (pending.size > 0) {
    const from = pending.index(pending.firstSeq);
    const due = pending.cols.arrival[from] as number;
    if (due > bound) return;
    const last = ring.size > 0 ? (ring.cols.arrival[ring.index(ring.endSeq - 1)] as number) : due;
    const to = ring.push();
    ring.copyRecord(pending, from, to); // after push: it may have grown the arrays
    ring.cols.arrival[to] = Math.max(due, last);
    pending.dropBefore(pending.firstSeq + 1);
  }
}

/**
 * The first sequence number in [from, to) whose value (read by `at`, non-decreasing over the range) is
 * greater than `bound`; `to` when there is none.
 */
export function firstAbove(from: number, to: number, bound: number, at: (seq: number) => number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (at(mid) > bound) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
