import fc from 'fast-check';
import { decodeTradeCursor, encodeTradeCursor, parseSensorQuery, parseTimestamp, parseTradeQuery } from './query';

describe('parseTimestamp', () => {
  it.each([
    ['2026-01-01T00:00:05.123Z', Date.UTC(2026, 0, 1, 0, 0, 5, 123)],
    ['2026-01-01T00:00:05Z', Date.UTC(2026, 0, 1, 0, 0, 5)],
    ['2026-01-01T01:00:05.123+01:00', Date.UTC(2026, 0, 1, 0, 0, 5, 123)],
    ['2026-01-01T00:00Z', Date.UTC(2026, 0, 1)],
    ['2026-01-01T00:00:05.1239Z', Date.UTC(2026, 0, 1, 0, 0, 5, 123)],
    ['1767225605123', 1767225605123],
    ['0', 0],
  ])('reads %s', (raw, expected) => {
    expect(parseTimestamp(raw)).toBe(expected);
  });

  it.each(['', 'yesterday', '2026-01-01', '2026-01-01T00:00:05', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '-5', '1.5', '2026-01-01 00:00:00Z'])(
    'refuses %j',
    (raw) => {
      expect(parseTimestamp(raw)).toBeUndefined();
    },
  );
});

describe('parseSensorQuery', () => {
  it('defaults to the oldest retained record and 1000 records', () => {
    expect(parseSensorQuery({})).toEqual({ ok: true, value: { sinceMs: undefined, limit: 1000 } });
  });

  it('accepts ISO-8601 or epoch ms for since and 1..10000 for limit', () => {
    expect(parseSensorQuery({ since: '2026-01-01T00:00:05.123Z', limit: '10000' })).toEqual({ ok: true, value: { sinceMs: 1767225605123, limit: 10_000 } });
    expect(parseSensorQuery({ since: '1767225605123', limit: '1' })).toEqual({ ok: true, value: { sinceMs: 1767225605123, limit: 1 } });
  });

  it('names every bad parameter', () => {
    const parsed = parseSensorQuery({ since: 'soon', limit: '0' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toHaveLength(2);
    expect(parsed.problems[0]).toMatch(/^since: /);
    expect(parsed.problems[1]).toMatch(/^limit: expected an integer from 1 to 10000/);
  });

  it.each([['10001'], ['-1'], ['1.5'], ['ten'], [''], [['5', '6']]])('refuses limit %j', (limit) => {
    expect(parseSensorQuery({ limit }).ok).toBe(false);
  });

  it('refuses a repeated since', () => {
    expect(parseSensorQuery({ since: ['1', '2'] })).toEqual({ ok: false, problems: ['since: expected one value'] });
  });
});

describe('trade cursors', () => {
  it('round-trip every position', () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (position) => expect(decodeTradeCursor(encodeTradeCursor(position))).toBe(position)));
  });

  it('refuse tokens this API did not issue', () => {
    for (const token of ['', 'abc', 'ds1.', 'ds1.!!', `ds1.${Buffer.from('trades:-1').toString('base64url')}`, `${encodeTradeCursor(5)}=`]) {
      expect(decodeTradeCursor(token)).toBeUndefined();
    }
    const parsed = parseTradeQuery({ cursor: 'nope' });
    expect(parsed.ok).toBe(false);
  });

  it('parses the trades query', () => {
    expect(parseTradeQuery({ cursor: encodeTradeCursor(12), limit: '5' })).toEqual({ ok: true, value: { position: 12, limit: 5 } });
    expect(parseTradeQuery({})).toEqual({ ok: true, value: { position: undefined, limit: 1000 } });
  });
});
