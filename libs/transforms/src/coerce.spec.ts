import fc from 'fast-check';
import { coerceValue, parseIsoMs, toTimestampMs, type CoerceTarget } from './coerce';
import type { JsonValue } from './json';

describe('coerceValue', () => {
  it.each<[CoerceTarget, JsonValue, JsonValue | undefined]>([
    ['number', 21.5, 21.5],
    ['number', ' -1.25e2 ', -125],
    ['number', '.5', 0.5],
    ['number', true, 1],
    ['number', 'abc', undefined],
    ['number', '', undefined],
    ['number', '0x10', undefined],
    ['number', '1e999', undefined],
    ['number', [1], undefined],
    ['integer', '42', 42],
    ['integer', 7, 7],
    ['integer', 21.5, undefined],
    ['integer', '9007199254740993', undefined],
    ['string', 'x', 'x'],
    ['string', 1.5, '1.5'],
    ['string', false, 'false'],
    ['string', { a: 1 }, undefined],
    ['boolean', ' True ', true],
    ['boolean', 'no', false],
    ['boolean', 0, false],
    ['boolean', 2, undefined],
    ['boolean', 'maybe', undefined],
    ['timestamp-ms', 1_700_000_000_000.7, 1_700_000_000_000],
    ['timestamp-ms', '1700000000000', 1_700_000_000_000],
    ['timestamp-ms', '2026-03-04', Date.UTC(2026, 2, 4)],
    ['timestamp-ms', 'yesterday', undefined],
    ['timestamp-ms', true, undefined],
  ])('%s from %j is %j', (target, value, expected) => {
    expect(coerceValue(value, target)).toEqual(expected);
  });
});

describe('ISO-8601 timestamps', () => {
  it('reads zones, fractions and a missing zone as UTC', () => {
    expect(parseIsoMs('2026-01-01T00:00:10.000000Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 10));
    expect(parseIsoMs('2026-01-01T00:00:10.1239Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 10, 123));
    expect(parseIsoMs('2026-01-01T02:00:00+02:00')).toBe(Date.UTC(2026, 0, 1));
    expect(parseIsoMs('2026-01-01T00:00:00-0130')).toBe(Date.UTC(2026, 0, 1, 1, 30));
    expect(parseIsoMs('2026-01-01 12:30')).toBe(Date.UTC(2026, 0, 1, 12, 30));
    expect(parseIsoMs('0099-01-01')).toBe(new Date('0099-01-01T00:00:00Z').getTime()); // not 1999 (Date.UTC's two-digit years)
  });

  it('refuses impossible dates and other formats', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-01-01T24:00Z', '2026-01-01T00:60Z', '2026-01-01T00:00+25:00', '01/02/2026', '2026-1-1']) {
      expect(parseIsoMs(bad)).toBeUndefined();
    }
  });

  it('round-trips every Date.toISOString (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        expect(toTimestampMs(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });
});
