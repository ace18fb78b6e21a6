import { chance, hashSeed } from './random';

/**
 * What the demo upstream does wrong, on purpose. Every rate is a fraction in [0, 1]; all default to off.
 * Request-level faults (error, throttle, latency, malformed, oversize) are decided per data request by
 * its number; record-level faults (late, duplicate, bad) by the record's identity, so with one seed the
 * same records are always the faulty ones.
 */
export interface FaultConfig {
  /** Fraction of data requests answered with `errorStatus` (5xx). */
  readonly errorRate: number;
  readonly errorStatus: number;
  /** Added to every data response, in real milliseconds. */
  readonly latencyMs: number;
  /** Fraction of data requests answered 429 … */
  readonly throttleRate: number;
  /** … and/or every Nth data request (0: off). */
  readonly throttleEvery: number;
  /** The Retry-After (seconds) of a 429. */
  readonly retryAfterS: number;
  /** Fraction of records that arrive late: served `lateByMs` (simulated) after their timestamp, out of order. */
  readonly lateRate: number;
  readonly lateByMs: number;
  /** Fraction of records delivered a second time, `duplicateAfterMs` (simulated) after the first. */
  readonly duplicateRate: number;
  readonly duplicateAfterMs: number;
  /** Fraction of records served broken (missing id or version, wrong types). */
  readonly badRecordRate: number;
  /** Fraction of data responses whose JSON body is cut short. */
  readonly malformedRate: number;
  /** Fraction of data responses padded past `oversizeMiB` MiB. */
  readonly oversizeRate: number;
  readonly oversizeMiB: number;
}

export const NO_FAULTS: FaultConfig = Object.freeze({
  errorRate: 0,
  errorStatus: 503,
  latencyMs: 0,
  throttleRate: 0,
  throttleEvery: 0,
  retryAfterS: 1,
  lateRate: 0,
  lateByMs: 3000,
  duplicateRate: 0,
  duplicateAfterMs: 2000,
  badRecordRate: 0,
  malformedRate: 0,
  oversizeRate: 0,
  oversizeMiB: 16,
});

/** Salts separate the decisions drawn from one seed. */
export const FaultSalt = {
  error: 1,
  throttle: 2,
  malformed: 3,
  oversize: 4,
  late: 5,
  duplicate: 6,
  bad: 7,
  badKind: 8,
} as const;

export type RequestFault =
  | { readonly kind: 'throttle'; readonly latencyMs: number; readonly retryAfterS: number }
  | { readonly kind: 'error'; readonly latencyMs: number; readonly status: number }
  | { readonly kind: 'serve'; readonly latencyMs: number; readonly malformed: boolean; readonly oversizeBytes: number | undefined };

/** The fault decision for data request number `request` (1-based) under `config`. Pure. */
export function decideRequest(seed: number, config: FaultConfig, request: number): RequestFault {
  const latencyMs = config.latencyMs;
  const everyNth = config.throttleEvery > 0 && request % config.throttleEvery === 0;
  if (everyNth || (config.throttleRate > 0 && chance(seed, FaultSalt.throttle, request) < config.throttleRate)) {
    return { kind: 'throttle', latencyMs, retryAfterS: config.retryAfterS };
  }
  if (config.errorRate > 0 && chance(seed, FaultSalt.error, request) < config.errorRate) {
    return { kind: 'error', latencyMs, status: config.errorStatus };
  }
  const malformed = config.malformedRate > 0 && chance(seed, FaultSalt.malformed, request) < config.malformedRate;
  const oversize = config.oversizeRate > 0 && chance(seed, FaultSalt.oversize, request) < config.oversizeRate;
  return { kind: 'serve', latencyMs, malformed, oversizeBytes: oversize ? Math.ceil(config.oversizeMiB * 1024 * 1024) : undefined };
}

/**
 * The live fault configuration and the data-request counter. The counter is the only state: the
 * decision for request n is `decideRequest(seed, config, n)`.
 */
export class FaultInjector {
  readonly seedHash: number;
  private current: FaultConfig;
  private requests = 0;

  constructor(seed: string, initial: FaultConfig = NO_FAULTS) {
    this.seedHash = hashSeed(`${seed}/faults`);
    this.current = { ...initial };
  }

  get config(): FaultConfig {
    return this.current;
  }

  set(config: FaultConfig): void {
    this.current = { ...config };
  }

  /** Data requests seen so far. */
  get requestCount(): number {
    return this.requests;
  }

  /** Counts one data request and decides what happens to it. */
  nextRequest(): RequestFault {
    this.requests++;
    return decideRequest(this.seedHash, this.current, this.requests);
  }
}

/** A proper prefix of a JSON object text is never valid JSON: cut the body in half. */
export function truncateBody(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
}

/**
 * Pads a JSON object body with a `padding` member so it is longer than `minBytes` (still valid JSON, so
 * a client fails on the size cap, not on the syntax). Expects an object body (ends with `}`).
 */
export function padBody(body: string, minBytes: number): string {
  const missing = minBytes - Buffer.byteLength(body) + 1;
  if (missing <= 0 || !body.endsWith('}')) return body;
  const separator = body === '{}' ? '' : ',';
  const overhead = separator.length + '"padding":""'.length;
  return `${body.slice(0, -1)}${separator}"padding":"${'x'.repeat(Math.max(0, missing - overhead) + 1)}"}`;
}

/** Record-level fault decisions keyed by a record's identity (`a`, `b`: e.g. sensor and version). */
export class RecordFaults {
  constructor(
    private readonly seed: number,
    private readonly config: () => FaultConfig,
  ) {}

  /** The current lateness (ms) when this record arrives late, else 0. */
  lateBy(a: number, b: number): number {
    const { lateRate, lateByMs } = this.config();
    return lateRate > 0 && lateByMs > 0 && chance(this.seed, FaultSalt.late, a, b) < lateRate ? lateByMs : 0;
  }

  /** The duplicate fault's settings when it is on. */
  duplicates(): { readonly rate: number; readonly afterMs: number } | undefined {
    const { duplicateRate, duplicateAfterMs } = this.config();
    return duplicateRate > 0 ? { rate: duplicateRate, afterMs: Math.max(1, duplicateAfterMs) } : undefined;
  }

  duplicate(a: number, b: number): boolean {
    const rate = this.config().duplicateRate;
    return rate > 0 && chance(this.seed, FaultSalt.duplicate, a, b) < rate;
  }

  /** Which of `kinds` this record is broken by, or undefined when it is served intact. */
  bad<Kind>(a: number, b: number, kinds: readonly Kind[]): Kind | undefined {
    const rate = this.config().badRecordRate;
    if (!(rate > 0 && chance(this.seed, FaultSalt.bad, a, b) < rate)) return undefined;
    return kinds[Math.floor(chance(this.seed, FaultSalt.badKind, a, b) * kinds.length)];
  }
}
