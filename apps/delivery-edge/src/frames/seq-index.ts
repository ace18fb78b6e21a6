/**
 * Seq → Kafka offset (and record time) checkpoints of one stream, for replay seeks and time starts.
 * Appended in seq order by the frames reader; when full it keeps every other checkpoint and from then
 * on records every 2nd (4th, …) seq, so memory stays bounded and a seek lands at most `stride` frames
 * early (the replay cursor drops what the client already has).
 */
export class SeqIndex {
  private seqs: number[] = [];
  private offsets: number[] = [];
  private times: number[] = [];
  private stride = 1;
  private sinceLast = 0;
  /** The newest frame added, checkpointed or not: times after the last checkpoint still resolve. */
  private tail: { seq: number; offset: number; timeMs: number } | undefined;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.seqs.length;
  }

  add(seq: number, offset: number, timeMs: number): void {
    if (this.tail && seq <= this.tail.seq) return;
    this.tail = { seq, offset, timeMs };
    const last = this.seqs[this.seqs.length - 1];
    if (++this.sinceLast < this.stride && last !== undefined) return;
    this.sinceLast = 0;
    this.seqs.push(seq);
    this.offsets.push(offset);
    this.times.push(timeMs);
    if (this.seqs.length > this.max) this.halve();
  }

  /** The offset of the last checkpoint at or before `seq` (a replay for `seq` may start there). */
  offsetAtOrBefore(seq: number): number | undefined {
    if (this.tail && seq >= this.tail.seq) return this.tail.offset;
    const i = this.lastIndexAtOrBelow(this.seqs, seq);
    return i < 0 ? undefined : this.offsets[i];
  }

  /** The first checkpointed seq recorded at or after `timeMs`; undefined when nothing is that recent. */
  seqAtOrAfter(timeMs: number): number | undefined {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) < timeMs) lo = mid + 1;
      else hi = mid;
    }
    // Between checkpoints the exact seq is unknown: start right after the previous checkpoint.
    const previous = lo > 0 && this.stride > 1 ? this.seqs[lo - 1] : undefined;
    if (lo < this.seqs.length) return previous === undefined ? this.seqs[lo] : previous + 1;
    if (!this.tail || this.tail.timeMs < timeMs) return undefined;
    const lastCheckpoint = this.seqs[this.seqs.length - 1];
    return lastCheckpoint === undefined ? this.tail.seq : Math.min(lastCheckpoint + 1, this.tail.seq);
  }

  private lastIndexAtOrBelow(values: readonly number[], target: number): number {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((values[mid] ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private halve(): void {
    const keep = (_: number, i: number) => i % 2 === 0;
    this.seqs = this.seqs.filter(keep);
    this.offsets = this.offsets.filter(keep);
    this.times = this.times.filter(keep);
    this.stride *= 2;
  }
}
