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

/** A simulated clock whose speed can change while it runs (the demo's `PUT /admin/speed`, load ramps). */
export interface SimulatedClock extends Clock {
  /** Simulated milliseconds per real millisecond, now. */
  readonly speed: number;
  /** From now on run at `speed`; simulated time continues from where it is (no jump either way). */
  setSpeed(speed: number): void;
}

function checkSpeed(speed: number): void {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
}

/** Simulated time: `startMs` when created, then `speed` times as fast as `real`, never backwards. */
export function simulatedClock({ startMs, speed, real }: SimulatedClockOptions): SimulatedClock {
  checkSpeed(speed);
  // Rebased on every speed change: simulated `base` at real `origin`.
  let base = startMs;
  let origin = real();
  let rate = speed;
  let last = startMs;
  const clock = () => {
    const now = Math.floor(base + (real() - origin) * rate);
    if (now > last) last = now;
    return last;
  };
  const setSpeed = (next: number) => {
    checkSpeed(next);
    base = clock();
    origin = real();
    rate = next;
  };
  // A getter (Object.assign would copy the speed at creation, not read it live).
  return Object.defineProperties(Object.assign(clock, { setSpeed }), { speed: { get: () => rate, enumerable: true } }) as SimulatedClock;
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
