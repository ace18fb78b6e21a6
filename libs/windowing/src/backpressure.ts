/**
 * Pause/resume decision with hysteresis: over budget from the high-water mark until the buffer has
 * drained to the low-water mark. A single threshold would flap pause/resume on every batch around the
 * cap; the gap lets a paused consumer drain a useful amount (by watermark, idle flush and caps — an
 * idle stream always flushes, so a pause cannot deadlock) before fetching again.
 */
export class BackpressureLatch {
  private paused = false;

  constructor(
    private readonly highWaterBytes: number,
    private readonly lowWaterBytes: number,
  ) {}

  /** Updates and returns the decision for the current number of buffered bytes. */
  update(bufferedBytes: number): boolean {
    if (this.paused) this.paused = bufferedBytes > this.lowWaterBytes;
    else this.paused = bufferedBytes >= this.highWaterBytes;
    return this.paused;
  }
}
