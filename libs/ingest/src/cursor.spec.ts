import fc from 'fast-check';
import { positionOf, utcMillis } from './cursor';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** ISO-8601 UTC texts, mostly well formed, with out-of-range parts and stray characters mixed in. */
const isoText = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    millis: fc.option(fc.integer({ min: 0, max: 999 })),
    zone: fc.constantFrom('Z', 'Z', 'Z', '+00:00', '', 'z'),
  })
  .map(({ year, month, day, hour, minute, second, millis, zone }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${millis === null ? '' : `.${pad(millis, 3)}`}${zone}`);

const mutated = fc.tuple(isoText, fc.nat(), fc.constantFrom('-', 'T', ':', '.', 'Z', ' ', 'x', '/', '9', '')).map(([text, at, char]) => {
  const i = at % text.length;
  return text.slice(0, i) + char + text.slice(i + 1);
});

/** What positionOf returned before utcMillis: the shape check, then Date.parse. */
function reference(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

describe('utcMillis', () => {
  it('gives what Date.parse gives whenever it gives anything', () => {
    fc.assert(
      fc.property(fc.oneof(isoText, mutated, fc.date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') }).map((d) => d.toISOString()), fc.string()), (text) => {
        const fast = utcMillis(text);
        if (fast !== undefined) expect(fast).toBe(Date.parse(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes every instant toISOString writes for years 0–9999, and leap days only in leap years', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') }), (date) => {
        expect(utcMillis(date.toISOString())).toBe(date.getTime());
        expect(utcMillis(date.toISOString().replace(/\.\d{3}Z$/, 'Z'))).toBe(Math.floor(date.getTime() / 1000) * 1000);
      }),
      { numRuns: 5_000 },
    );
    expect(utcMillis('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(utcMillis('2000-02-29T00:00:00.000Z')).toBe(Date.UTC(2000, 1, 29));
    expect(utcMillis('2100-02-29T00:00:00Z')).toBeUndefined();
    expect(utcMillis('2026-04-31T00:00:00Z')).toBeUndefined();
    expect(utcMillis('2026-01-01T24:00:00Z')).toBeUndefined();
  });
});

describe('positionOf (iso8601)', () => {
  it('is the shape check then Date.parse, faster for UTC texts', () => {
    fc.assert(
      fc.property(fc.oneof(isoText, mutated, fc.string()), (text) => expect(positionOf(text, 'iso8601')).toBe(reference(text))),
      { numRuns: 20_000 },
    );
  });
});
