import fc from 'fast-check';
import { fairShare, preferenceOrder } from './assignment';
import { cursorFrom, formatPosition, positionOf, requestCursor } from './cursor';
import { classifyStatus, retryAfterMs } from './http-rules';
import { acceptRecord, atPath, recordsOf } from './records';
import { signBody, verifySignature } from './webhook-signature';

describe('cursor rules', () => {
  it('parses each format and refuses what does not parse', () => {
    expect(positionOf('2026-01-01T00:00:01.500Z', 'iso8601')).toBe(Date.UTC(2026, 0, 1, 0, 0, 1, 500));
    expect(positionOf('12', 'epoch-s')).toBe(12_000);
    expect(positionOf(1700000000000, 'epoch-ms')).toBe(1700000000000);
    expect(positionOf('7.5', 'number')).toBe(7.5);
    for (const bad of ['yesterday', '', null, {}, '2026-13-45T00:00:00Z']) expect(positionOf(bad, 'iso8601')).toBeUndefined();
    expect(positionOf('abc', 'number')).toBeUndefined();
  });

  it('keeps the upstream text of a cursor and rewinds by one unit, or the overlap when recovering', () => {
    const stored = cursorFrom('2026-01-01T00:00:10.000000Z', 'iso8601');
    if (!stored) throw new Error('unparsed');
    expect(stored.value).toBe('2026-01-01T00:00:10.000000Z');
    expect(requestCursor(stored, { format: 'iso8601', overlap: 5000 }, false)).toBe('2026-01-01T00:00:09.999Z');
    expect(requestCursor(stored, { format: 'iso8601', overlap: 5000 }, true)).toBe('2026-01-01T00:00:05.000Z');
    expect(requestCursor({ value: '100', position: 100_000 }, { format: 'epoch-s', overlap: 0 }, false)).toBe('99');
  });

  it('formats positions back into the source format (round trip)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(positionOf(formatPosition(ms, 'iso8601'), 'iso8601')).toBe(ms);
        expect(positionOf(formatPosition(ms, 'epoch-ms'), 'epoch-ms')).toBe(ms);
      }),
    );
  });
});

describe('record checks', () => {
  const source = { entityIdField: 'id', versionField: 'v', occurredAtField: 'ts', cursor: { mode: 'field' as const, field: 'ts', param: 'since', initial: 0, format: 'iso8601' as const, overlap: 0 } };

  it('accepts string and number ids and versions, and reads the cursor and event time', () => {
    const accepted = acceptRecord({ id: 7, v: '3', ts: '2026-01-01T00:00:00.000Z' }, source);
    expect(accepted).toMatchObject({ ok: true, entityId: '7', version: '3', position: Date.UTC(2026, 0, 1), occurredAtMs: Date.UTC(2026, 0, 1) });
  });

  it('reads id, version, cursor and event time from nested paths, JSON Pointers and composite ids', () => {
    // The shape of most production APIs: identity and version inside each record, cursor in epoch ms.
    const feature = { type: 'Feature', id: 'us7000abcd', properties: { net: 'us', code: '7000abcd', updated: 1717000000123, 'time.ms': 1717000000000 } };
    const nested = {
      entityIdField: ['properties.net', '/properties/code'],
      versionField: 'properties.updated',
      occurredAtField: '/properties/time.ms',
      cursor: { mode: 'field' as const, field: 'properties.updated', param: 'since', initial: 0, format: 'epoch-ms' as const, overlap: 0 },
    };
    expect(acceptRecord(feature, nested)).toMatchObject({ ok: true, entityId: 'us:7000abcd', version: '1717000000123', position: 1717000000123, cursorValue: '1717000000123', occurredAtMs: 1717000000000 });
    expect(acceptRecord({ ...feature, properties: { net: 'us' } }, nested)).toMatchObject({ ok: false, kind: 'missing_id', reason: 'record has no id field "/properties/code"' });
    expect(acceptRecord({ ...feature, properties: { ...feature.properties, updated: null } }, nested)).toMatchObject({ ok: false, kind: 'missing_version' });
    expect(acceptRecord({ ...feature, properties: { ...feature.properties, code: { x: 1 } } }, nested)).toMatchObject({ ok: false, kind: 'wrong_type', reason: 'id field "/properties/code" is object, expected a string or number' });
  });

  it('finds records by dotted path and says where they were not', () => {
    expect(atPath({ data: { items: [1] } }, 'data.items')).toEqual([1]);
    expect(atPath({ data: { 'items.v2': [2] } }, '/data/items.v2')).toEqual([2]);
    expect(recordsOf([1, 2], '')).toEqual([1, 2]);
    expect(recordsOf({ data: 5 }, 'data')).toMatchObject({ ok: false, kind: 'records_not_found', reason: '"data" is not an array' });
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = acceptRecord(value, source);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});

describe('HTTP rules', () => {
  it('classifies statuses', () => {
    expect([200, 304, 429, 503, 500, 408, 404, 401].map(classifyStatus)).toEqual(['ok', 'not_modified', 'throttled', 'throttled', 'transient', 'transient', 'permanent', 'permanent']);
  });

  it('reads Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs(new Date(now + 10_000).toUTCString(), now)).toBe(10_000);
    expect(retryAfterMs('99999', now, 60_000)).toBe(60_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('webhook signatures', () => {
  const body = new TextEncoder().encode('{"id":"a","version":1}');
  const now = Date.UTC(2026, 0, 1, 12);
  const ts = Math.floor(now / 1000);

  it('accepts a correct signature within the window', () => {
    expect(verifySignature({ secret: 's', body, timestampHeader: String(ts), signatureHeader: signBody('s', ts, body), nowMs: now })).toEqual({ ok: true });
  });

  it('refuses a wrong secret, a changed body, an old timestamp and malformed headers', () => {
    const good = signBody('s', ts, body);
    expect(verifySignature({ secret: 'other', body, timestampHeader: String(ts), signatureHeader: good, nowMs: now }).ok).toBe(false);
    expect(verifySignature({ secret: 's', body: new TextEncoder().encode('{}'), timestampHeader: String(ts), signatureHeader: good, nowMs: now }).ok).toBe(false);
    const old = ts - 301;
    expect(verifySignature({ secret: 's', body, timestampHeader: String(old), signatureHeader: signBody('s', old, body), nowMs: now })).toEqual({ ok: false, reason: 'timestamp outside the accepted window (replay or clock skew)' });
    expect(verifySignature({ secret: 's', body, timestampHeader: undefined, signatureHeader: good, nowMs: now }).ok).toBe(false);
    expect(verifySignature({ secret: 's', body, timestampHeader: String(ts), signatureHeader: 'md5=abc', nowMs: now }).ok).toBe(false);
  });

  it('accepts a little clock skew ahead, but not a timestamp far in the future (it would outlive the replay window)', () => {
    const soon = ts + 30;
    expect(verifySignature({ secret: 's', body, timestampHeader: String(soon), signatureHeader: signBody('s', soon, body), nowMs: now })).toEqual({ ok: true });
    const later = ts + 120;
    expect(verifySignature({ secret: 's', body, timestampHeader: String(later), signatureHeader: signBody('s', later, body), nowMs: now })).toEqual({ ok: false, reason: 'timestamp is in the future (clock skew beyond the allowed limit)' });
  });
});

describe('source assignment', () => {
  it('shares sources evenly, rounding up so every source has an owner', () => {
    expect(fairShare(5, 2)).toBe(3);
    expect(fairShare(4, 0)).toBe(4);
  });

  it('gives replicas different, stable preferences', () => {
    const sources = Array.from({ length: 20 }, (_, i) => `s${i}`);
    expect(preferenceOrder('a', sources)).toEqual(preferenceOrder('a', sources));
    expect(preferenceOrder('a', sources)).not.toEqual(preferenceOrder('b', sources));
    expect([...preferenceOrder('a', sources)].sort()).toEqual([...sources].sort());
  });
});
