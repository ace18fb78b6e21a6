import fc from 'fast-check';
import { backoffDelay, DEFAULT_BACKOFF, retryAfterMs } from './backoff';

const options = fc.record({
  initialDelayMs: fc.integer({ min: 1, max: 10_000 }),
  maxDelayMs: fc.integer({ min: 1, max: 600_000 }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay', () => {
  it('stays within [ (1 - jitter) · d, d ] where d grows exponentially up to the cap', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 5000 }), random, (o, attempt, r) => {
        const d = Math.min(o.maxDelayMs, o.initialDelayMs * Math.pow(o.multiplier, attempt - 1));
        const delay = backoffDelay(attempt, o, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(d * (1 - o.jitter)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(d));
        expect(delay).toBeLessThanOrEqual(o.maxDelayMs);
      }),
    );
  });

  it('never shrinks from one attempt to the next for the same draw, and reaches the cap', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 200 }), random, (o, attempt, r) => {
        expect(backoffDelay(attempt + 1, o, () => r)).toBeGreaterThanOrEqual(backoffDelay(attempt, o, () => r));
      }),
    );
    expect(backoffDelay(1000, {}, () => 0)).toBe(DEFAULT_BACKOFF.maxDelayMs);
    expect(backoffDelay(1, {}, () => 0)).toBe(DEFAULT_BACKOFF.initialDelayMs);
  });

  it('reaches the cap for a multiplier close to 1 (a fixed exponent cap stopped it short)', () => {
    // The counterexample fast-check found: 1 ms instead of the 2 ms cap at attempt 2281.
    const o = { initialDelayMs: 1, maxDelayMs: 2, multiplier: 1.0003040581376057, jitter: 0 };
    expect(backoffDelay(2281, o, () => 0)).toBe(2);
    expect(backoffDelay(10_000_000, { initialDelayMs: 1, maxDelayMs: 60_000, multiplier: 1 + 1e-9, jitter: 0 }, () => 0)).toBeLessThan(60_000);
    expect(backoffDelay(20_000_000_000, { initialDelayMs: 1, maxDelayMs: 60_000, multiplier: 1 + 1e-9, jitter: 0 }, () => 0)).toBe(60_000);
  });

  it('gives a finite integer delay for any attempt number and a multiplier of 1 or less', () => {
    for (const attempt of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY, Number.MAX_VALUE]) {
      const delay = backoffDelay(attempt, { jitter: 0 }, () => 0);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.initialDelayMs);
      expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxDelayMs);
    }
    expect(backoffDelay(50, { multiplier: 1, jitter: 0 }, () => 0)).toBe(DEFAULT_BACKOFF.initialDelayMs);
    expect(backoffDelay(50, { multiplier: 0.5, jitter: 0 }, () => 0)).toBe(DEFAULT_BACKOFF.initialDelayMs);
  });

  it('spreads a fleet of clients that disconnected together (jitter)', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(3)));
    expect(delays.size).toBeGreaterThan(20);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(500);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, caps at an hour and ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('99999999', now)).toBe(3_600_000);
    for (const junk of [undefined, null, '', 'soon', '-5', '1.5']) expect(retryAfterMs(junk, now)).toBeUndefined();
  });
});
