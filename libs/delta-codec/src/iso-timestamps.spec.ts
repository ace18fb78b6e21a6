import fc from 'fast-check';
import { IsoTimestamps, MAX_DATE_MILLIS } from './iso-timestamps';
import { MAX_INT_MAGNITUDE } from './limits';

const anyMillis = fc.oneof(
  fc.integer({ min: -MAX_DATE_MILLIS, max: MAX_DATE_MILLIS }),
  fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
  fc.constantFrom(-MAX_DATE_MILLIS, MAX_DATE_MILLIS, 0, -1, -60_000, 59_999, -62_198_755_200_001),
);

describe('ISO-8601 timestamps', () => {
  it('format exactly as Date#toISOString does, across the whole Date range and in any order', () => {
    fc.assert(
      fc.property(fc.array(anyMillis, { maxLength: 20 }), (values) => {
        const timestamps = new IsoTimestamps();
        for (const ms of values) expect(timestamps.format(ms)).toBe(new Date(ms).toISOString());
      }),
    );
  });

  it('parse exactly what toISOString produces', () => {
    const timestamps = new IsoTimestamps();
    expect(timestamps.parse('2026-01-01T00:00:05.123Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 5, 123));
    expect(timestamps.parse('2026-01-01T00:00:59.999Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 59, 999));
    expect(timestamps.parse('1969-12-31T23:59:59.999Z')).toBe(-1);
    expect(timestamps.parse('+010000-01-01T00:00:00.000Z')).toBe(Date.UTC(10000, 0, 1));
  });

  it.each([
    ['2026-01-01T00:00:05Z'],
    ['2026-01-01T00:00:05.123+00:00'],
    ['2026-01-01 00:00:05.123Z'],
    ['2026-02-30T00:00:05.123Z'],
    ['2026-01-01T00:00:05.1230Z'],
    ['2026-01-01T00:00:60.000Z'],
    ['2026-01-01T00:00:5a.123Z'],
    ['2026-01-01T00:00:05,123Z'],
    ['2026-01-01T00:00:-1.123Z'],
    ['not a timestamp at all..Z'],
    ['+275760-09-13T00:00:00.000Z'],
  ])('reject %p, which would not come back identical, even right after a value of the same minute', (text) => {
    const timestamps = new IsoTimestamps();
    expect(timestamps.parse('2026-01-01T00:00:04.000Z')).toBeDefined();
    expect(timestamps.parse(text)).toBeUndefined();
    expect(new IsoTimestamps().parse(text)).toBeUndefined();
  });

  it('parse what they format, and only accept text that formats back identically', () => {
    const nearby = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 1, 0, 3) });
    const text = fc.oneof(
      fc.oneof(anyMillis, nearby).map((ms) => new Date(ms).toISOString()),
      fc.tuple(nearby, fc.nat(23), fc.string({ minLength: 1, maxLength: 1 })).map(([ms, at, char]) => {
        const iso = new Date(ms).toISOString();
        return iso.slice(0, at) + char + iso.slice(at + 1);
      }),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 20 }), (texts) => {
        const timestamps = new IsoTimestamps();
        for (const value of texts) {
          const ms = timestamps.parse(value);
          const date = new Date(Date.parse(value));
          const canonical = !Number.isNaN(date.getTime()) && date.toISOString() === value;
          if (canonical && Math.abs(date.getTime()) <= MAX_INT_MAGNITUDE) expect(ms).toBe(date.getTime());
          else expect(ms).toBeUndefined();
        }
      }),
    );
  });
});
