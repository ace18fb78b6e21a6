import { MAX_INT_MAGNITUDE } from './limits';

/** Largest |ms| a Date can hold; beyond it toISOString throws. */
export const MAX_DATE_MILLIS = 8.64e15;

const MINUTE = 60_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * Converts between epoch milliseconds and `Date#toISOString` text ("2026-01-01T00:00:05.123Z"), fast for
 * the runs of nearby timestamps a frame holds: the "YYYY-MM-DDTHH:mm:" prefix is computed once per minute
 * and only "ss.sssZ" per value. Decoding every timestamp with `new Date(ms).toISOString()` would otherwise
 * dominate decode time. One instance per column: the cache is the only state.
 */
export class IsoTimestamps {
  private minute = NaN;
  private prefix = '';

  /** Exactly `new Date(ms).toISOString()`, for an integer |ms| ≤ MAX_DATE_MILLIS. */
  format(ms: number): string {
    const minute = Math.floor(ms / MINUTE);
    if (minute !== this.minute) {
      const text = new Date(minute * MINUTE).toISOString();
      this.minute = minute;
      this.prefix = text.slice(0, text.length - 7);
    }
    const inMinute = ms - minute * MINUTE;
    const seconds = Math.floor(inMinute / 1000);
    return `${this.prefix}${TWO_DIGITS[seconds]}.${THREE_DIGITS[inMinute - seconds * 1000]}Z`;
  }

  /**
   * Milliseconds if `text` is exactly what `format` (so toISOString) gives for them, with |ms| ≤
   * MAX_INT_MAGNITUDE so they fit an int column; undefined otherwise ("…:05Z", offsets, "2026-02-30…").
   */
  parse(text: string): number | undefined {
    // Shape first: ends in Z, 'T' before "HH:mm:ss.sssZ" (years may have 4 or ±6 digits).
    const length = text.length;
    if (length < 24 || text.charCodeAt(length - 1) !== 0x5a || text.charCodeAt(length - 14) !== 0x54) return undefined;
    let ms: number;
    if (length === this.prefix.length + 7 && text.startsWith(this.prefix)) {
      // Same minute as the previous value: read "ss.sss" directly. Non-digits give a wrong value, which
      // the comparison below rejects.
      const digit = (at: number) => text.charCodeAt(at) - 0x30;
      const seconds = digit(length - 7) * 10 + digit(length - 6);
      const millis = digit(length - 4) * 100 + digit(length - 3) * 10 + digit(length - 2);
      ms = this.minute * MINUTE + seconds * 1000 + millis;
    } else {
      ms = Date.parse(text);
    }
    if (!(Math.abs(ms) <= MAX_INT_MAGNITUDE) || !Number.isInteger(ms)) return undefined;
    return this.format(ms) === text ? ms : undefined;
  }
}
