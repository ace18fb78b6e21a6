// Reconnect delays: exponential backoff with jitter, and Retry-After. Pure (randomness and clock injected).

export interface BackoffOptions {
  /** Delay before the first retry (ms). Default 250. */
  readonly initialDelayMs?: number;
  /** Ceiling of the un-jittered delay (ms). Default 30 000. */
  readonly maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  readonly multiplier?: number;
  /**
   * Fraction of the delay that is random, 0..1. Default 0.5: delays fall in [d/2, d], so a fleet of
   * clients cut off together (edge restart) does not come back in lock-step, yet none retries at once.
   */
  readonly jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialDelayMs: 250, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 };

/** Delay before retry number `attempt` (1 = first retry after a failure). `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, multiplier, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const exponent = Number.isNaN(attempt) ? 0 : Math.max(0, Math.floor(attempt) - 1);
  const growth = multiplier > 1 ? multiplier : 1; // a multiplier of 1 or less (or NaN) never shrinks the delay
  const base = exponent >= attemptsToCap(initialDelayMs, maxDelayMs, growth) ? maxDelayMs : Math.min(maxDelayMs, initialDelayMs * Math.pow(growth, exponent));
  const spread = Math.min(1, Math.max(0, jitter));
  return Math.round(base * (1 - spread * random()));
}

/**
 * The exponent from which the delay is the cap. Worked out in logarithms so that a multiplier close to 1
 * still climbs all the way (capping the exponent at a fixed number stopped it short of the cap), and
 * `multiplier ** exponent` is only ever evaluated below it, where it is finite (never Infinity or NaN).
 */
function attemptsToCap(initialDelayMs: number, maxDelayMs: number, multiplier: number): number {
  if (initialDelayMs >= maxDelayMs) return 0;
  if (multiplier === 1) return Infinity;
  return Math.ceil(Math.log(maxDelayMs / initialDelayMs) / Math.log(multiplier));
}

/**
 * Retry-After (seconds, or an HTTP date) as a delay in ms from `nowMs`; undefined when absent or
 * unreadable. Capped at one hour so a bogus header cannot park a client for days.
 */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  // delay-seconds, or an HTTP-date ("Thu, 01 Jan 2026 00:00:10 GMT"); Date.parse alone accepts "-5" as a year.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /^[a-z]{3}, /i.test(text) ? Date.parse(text) - nowMs : NaN;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(3_600_000, Math.max(0, Math.round(ms)));
}
