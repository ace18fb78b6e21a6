/** Simulated epoch milliseconds (an integer). Generators read time only through a clock. */
export type Clock = () => number;

export interface SimulatedClockOptions {
  /** Simulated time at the first reading (epoch ms). */
  readonly startMs: number;
  /** Simulated milliseconds per real millisecond (1: real time; 60: a simulated minute per second). */
  readonly speed: number;
  /** The real clock (epoch ms or any monotonic ms). */
  readonly real: () => number;
}

/** Simulated time: `startMs` when created, then `speed` times as fast as `real`, never backwards. */
export function simulatedClock({ startMs, speed, real }: SimulatedClockOptions): Clock {
  if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
  const origin = real();
  let last = startMs;
  return () => {
    const now = Math.floor(startMs + (real() - origin) * speed);
    if (now > last) last = now;
    return last;
  };
}

/** A clock tests move by hand. */
export function manualClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = startMs;
  const clock = () => now;
  clock.set = (ms: number) => {
    now = ms;
  };
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

let cachedMs = Number.NaN;
let cachedIso = '';

/** ISO-8601 UTC with milliseconds, memoising the last value (records often share a millisecond). */
export function isoOf(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedIso = new Date(ms).toISOString();
  }
  return cachedIso;
}
