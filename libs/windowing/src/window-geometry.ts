/**
 * Where windows lie on the event-time axis: windows of `sizeMs` start at every multiple of `hopMs`
 * (tumbling when they are equal). All windows of a stream have the same size, so ordering windows by
 * start also orders them by end — which is why closing can always proceed from the oldest window.
 */
export class WindowGeometry {
  constructor(
    readonly sizeMs: number,
    readonly hopMs: number,
  ) {}

  /** Starts of every window [start, start + size) that contains `timeMs`, oldest first. */
  coveringStarts(timeMs: number): number[] {
    const newest = Math.floor(timeMs / this.hopMs) * this.hopMs;
    if (this.hopMs === this.sizeMs) return [newest];
    const starts: number[] = [];
    for (let start = newest; start > timeMs - this.sizeMs; start -= this.hopMs) starts.push(start);
    return starts.reverse();
  }

  /** The oldest window start whose window still ends after `timeMs` (windows before it have ended). */
  firstStartEndingAfter(timeMs: number): number {
    return (Math.floor((timeMs - this.sizeMs) / this.hopMs) + 1) * this.hopMs;
  }

  /** The smallest window start ≥ `timeMs`. */
  alignUp(timeMs: number): number {
    return Math.ceil(timeMs / this.hopMs) * this.hopMs;
  }
}
