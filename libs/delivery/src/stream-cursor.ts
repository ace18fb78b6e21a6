/** What to do with a frame, given what this subscriber already has. */
export type CursorVerdict =
  /** The next seq: send it. */
  | 'deliver'
  /** At or below what was delivered (replay overlapping live, a redelivery): drop it. */
  | 'duplicate'
  /** Beyond the next seq: the frames in between must be replayed (or named by a gap notice) first. */
  | 'gap';

/**
 * The position of one subscription on one stream. Seqs are gap-free per stream, so "delivered up to N"
 * is the whole state: ordering, de-duplication and gap detection are one comparison each.
 */
export class StreamCursor {
  private last: number;

  /** `afterSeq`: the seq the client already has (0 when it has nothing). */
  constructor(afterSeq: number) {
    assertSeq(afterSeq);
    this.last = afterSeq;
  }

  get lastDeliveredSeq(): number {
    return this.last;
  }

  /** The verdict without moving the cursor. */
  check(seq: number): CursorVerdict {
    if (seq <= this.last) return 'duplicate';
    return seq === this.last + 1 ? 'deliver' : 'gap';
  }

  /** The verdict; on 'deliver' the cursor moves to `seq`. */
  accept(seq: number): CursorVerdict {
    const verdict = this.check(seq);
    if (verdict === 'deliver') this.last = seq;
    return verdict;
  }

  /**
   * Moves forward past seqs the client will not get as frames: it got a gap notice for them, or a
   * snapshot that reflects them. Never moves back: that would deliver frames twice.
   */
  skipTo(seq: number): void {
    assertSeq(seq);
    if (seq > this.last) this.last = seq;
  }
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`a seq is a whole number ≥ 0, got ${seq}`);
}
