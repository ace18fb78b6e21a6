// Per-stream position of what the application has been given: the seq dedupe that makes "never twice"
// hold across reconnects, replays and duplicate deliveries, and the resume points sent on reconnect.
// Pure.

/** A seq range the application will never get as frames, inclusive. */
export interface SeqRange {
  readonly first: number;
  readonly last: number;
}

export type FrameDecision =
  /** New: deliver it. `missing` names seqs between the position and this frame nobody announced. */
  | { readonly action: 'deliver'; readonly missing?: SeqRange }
  /** At or before the position: already delivered (or skipped), drop it. */
  | { readonly action: 'duplicate' };

/**
 * Last seq handed over (or knowingly skipped) per stream. Positions only move forward; a stream without a
 * position accepts any first frame (a `latest` or `earliest` start does not know where it begins).
 */
export class StreamPositions {
  private readonly last = new Map<string, number>();

  constructor(initial: Readonly<Record<string, number>> = {}) {
    for (const [stream, seq] of Object.entries(initial)) this.advance(stream, seq);
  }

  get(stream: string): number | undefined {
    return this.last.get(stream);
  }

  has(stream: string): boolean {
    return this.last.has(stream);
  }

  /** Decides about frame `seq` of `stream` without moving the position (`advance` does, once delivered). */
  check(stream: string, seq: number): FrameDecision {
    const position = this.last.get(stream);
    if (position === undefined) return { action: 'deliver' };
    if (seq <= position) return { action: 'duplicate' };
    if (seq === position + 1) return { action: 'deliver' };
    return { action: 'deliver', missing: { first: position + 1, last: seq - 1 } };
  }

  /** Records `seq` as handed over or skipped. Never moves a position backwards. */
  advance(stream: string, seq: number): void {
    const position = this.last.get(stream);
    if (position === undefined || seq > position) this.last.set(stream, seq);
  }

  /**
   * A gap notice: the part the application has not passed yet (starting right after the position, so
   * it also names seqs that silently went missing before it), or undefined when it is all behind. The
   * position moves to `last`.
   */
  gap(stream: string, first: number, last: number): SeqRange | undefined {
    const position = this.last.get(stream);
    if (position !== undefined && last <= position) return undefined;
    this.last.set(stream, last);
    return { first: position === undefined ? first : position + 1, last };
  }

  /** A snapshot as of `asOfSeq`: true (and the position moves there) unless the stream is already past it. */
  snapshot(stream: string, asOfSeq: number): boolean {
    const position = this.last.get(stream);
    if (position !== undefined && asOfSeq <= position) return false;
    this.last.set(stream, asOfSeq);
    return true;
  }

  delete(stream: string): void {
    this.last.delete(stream);
  }

  /** Every position, e.g. to persist and pass back as the `resume` option later. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.last);
  }
}
