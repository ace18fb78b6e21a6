import fc from 'fast-check';
import { firstDifference, jsonRecords, jsonValue, objectFrom } from './fixtures/json-arbitraries';
import { decodeRecords, encodeRecords, type EncodeOptions, type JsonRecord, type JsonValue } from './index';
import { MAX_NESTED_ENTRIES, MAX_RECORDS } from './limits';

/** Encodes and decodes, asserting the result is exactly the input: values, -0, key order, record order. */
function expectRoundTrip(records: readonly JsonRecord[], options?: EncodeOptions): JsonRecord[] {
  const decoded = decodeRecords(encodeRecords(records, options));
  expect(firstDifference(decoded, records)).toBeUndefined();
  expect(JSON.stringify(decoded)).toBe(JSON.stringify(records));
  expect(decoded).toEqual(records);
  return decoded;
}

describe('encodeRecords / decodeRecords', () => {
  it('round-trip any batch of JSON records exactly, grouped by an entity key', () => {
    fc.assert(
      fc.property(jsonRecords({ entityKey: 'id' }), (records) => {
        expectRoundTrip(records, { entityKey: 'id' });
      }),
      { numRuns: 300 },
    );
  });

  it('round-trip any batch without an entity key, or keyed by a field few records have', () => {
    fc.assert(
      fc.property(jsonRecords({ entityKey: 'id' }), fc.constantFrom(undefined, 't', '__proto__', ''), (records, entityKey) => {
        expectRoundTrip(records, entityKey === undefined ? {} : { entityKey });
      }),
      { numRuns: 200 },
    );
  });

  it('round-trip any single JSON value in a field', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { maxLength: 5 }), (values) => {
        expectRoundTrip(values.map((value) => ({ field: value })));
      }),
    );
  });

  it('handles an empty batch and empty records', () => {
    expect(decodeRecords(encodeRecords([]))).toEqual([]);
    expectRoundTrip([{}, {}, { a: 1 }, {}], { entityKey: 'a' });
  });

  it('keeps -0 apart from 0, at the top level and nested', () => {
    const decoded = expectRoundTrip([{ x: -0, y: [-0, 0] }, { x: 0, y: [0] }, { x: -0, y: { z: -0 } }]);
    expect(Object.is(decoded[0]?.['x'], -0)).toBe(true);
    expect(Object.is(decoded[1]?.['x'], 0)).toBe(true);
  });

  it('keeps numbers that are not decimal-friendly bit-exact, only in their own entity', () => {
    const values = [0.1 + 0.2, 1e300, -1e-300, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 60, 1 / 3, Math.PI];
    expectRoundTrip(values.map((value, i) => ({ id: `e${i % 3}`, value })), { entityKey: 'id' });
    // One odd entity among 200 decimal readings: only its run falls back to 8-byte float64 values.
    const readings = Array.from({ length: 200 }, (_, i): JsonRecord => ({ id: 'fine', value: (2000 + (i % 7)) / 100 }));
    readings.splice(100, 0, { id: 'odd', value: 0.1 + 0.2 }, { id: 'odd', value: 21.4 });
    const frame = encodeRecords(readings, { entityKey: 'id' });
    expect(frame.length).toBeLessThan(200);
    expect(firstDifference(decodeRecords(frame), readings)).toBeUndefined();
  });

  it('also keeps NaN and ±Infinity, though JSON cannot carry them', () => {
    const decoded = decodeRecords(encodeRecords([{ a: NaN, b: [Infinity] }, { a: -Infinity, b: [NaN] }]));
    expect(decoded).toEqual([{ a: NaN, b: [Infinity] }, { a: -Infinity, b: [NaN] }]);
  });

  it('keeps key order, including integer-like keys, "" and "__proto__"', () => {
    const tricky = objectFrom([
      ['__proto__', { polluted: true }],
      ['', ''],
      ['b', 1],
      ['10', 'ten'],
      ['2', 'two'],
      ['constructor', null],
      ['nested', objectFrom([['__proto__', 1], ['z', 2], ['a', 3]])],
    ]);
    const decoded = expectRoundTrip([tricky, { b: 2, '': 'x' }]);
    expect(Object.getPrototypeOf(decoded[0])).toBe(Object.prototype);
    expect(Object.keys(decoded[0] ?? {})).toEqual(['2', '10', '__proto__', '', 'b', 'constructor', 'nested']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('restores the original record order when entities interleave', () => {
    const records = [3, 1, 2, 3, 3, 1, 4, 2, 1].map((entity, seq) => ({ entity, seq }));
    expectRoundTrip(records, { entityKey: 'entity' });
  });

  it('keeps fields that only some records have, and fields whose type changes between records', () => {
    const mixed: JsonValue[] = [1, 'one', null, true, [1], { one: 1 }, 2.5, '2026-01-01T00:00:05.123Z', false];
    expectRoundTrip(
      mixed.map((value, i): JsonRecord => (i % 3 === 0 ? { id: i % 2, value } : { id: i % 2, value, extra: i })),
      { entityKey: 'id' },
    );
  });

  it('keeps strings exactly: unicode, lone surrogates, BOM, empty, big integers as text', () => {
    const texts = [
      '',
      'plain',
      '😀 emoji',
      '\uD800 lone high',
      'lone low \uDC00',
      '\uFEFFbom',
      '12345678901234567890123',
      'e\u0301',
    ];
    expectRoundTrip(texts.map((text, i) => ({ [text]: text, i })));
  });

  it('keeps ISO timestamps exactly, and strings that only look like them', () => {
    expectRoundTrip([
      { ts: '2026-01-01T00:00:05.123Z' },
      { ts: '2026-01-01T00:00:06.123Z' },
      { ts: '2026-01-01T00:00:07Z' },
      { ts: '2026-01-01T00:00:08.123+00:00' },
    ]);
    expectRoundTrip([{ ts: '1969-12-31T23:59:59.999Z' }, { ts: '+010000-01-01T00:00:00.000Z' }]);
  });

  it('returns fresh plain objects that share nothing', () => {
    const decoded = decodeRecords(encodeRecords([{ a: { b: [1] } }, { a: { b: [1] } }]));
    expect(decoded[0]?.['a']).not.toBe(decoded[1]?.['a']);
  });

  it('rejects what JSON cannot represent', () => {
    expect(() => encodeRecords([{ a: undefined as unknown as JsonValue }])).toThrow(TypeError);
    expect(() => encodeRecords([{ a: [undefined as unknown as JsonValue] }])).toThrow(TypeError);
    expect(() => encodeRecords([{ a: 1n as unknown as JsonValue }])).toThrow(TypeError);
    expect(() => encodeRecords([[] as unknown as JsonRecord])).toThrow(TypeError);
    expect(() => encodeRecords([null as unknown as JsonRecord])).toThrow(TypeError);
  });

  it('refuses more records than a frame may hold', () => {
    expect(() => encodeRecords(new Array<JsonRecord>(MAX_RECORDS + 1).fill({}))).toThrow(RangeError);
  });

  it('accepts nesting up to 256 levels and refuses deeper', () => {
    const nest = (depth: number): JsonValue => (depth === 0 ? [] : [nest(depth - 1)]);
    expectRoundTrip([{ deep: nest(255) }]);
    expect(() => encodeRecords([{ deep: nest(256) }])).toThrow(RangeError);
  });

  it('decodes version-1 frames (top-level columns, nested values whole), which Kafka may still hold', () => {
    // Written by the version-1 encoder (commit d74ca01) from the records below.
    const v1 = Buffer.from(
      '0QMADQACAAIBAwEDAAQABQAIBwEAAQABAAIAAQABImlkdHNlbXBhZ3NtZXRhZXh0cmFzZW5zb3ItMTJhYm9rbngGAAECAwQFAgUAAQIDBAYAAQIFAwQCAQIBAQEAAgABAAIIAAABDAQIAQALgKDV7e5mAIA++gAEAAQACIoe4foAEAYCBQgFCQYBBQgGABEDACQABwIKAgsEAAAAAAAAAIAHAgoBCwScdQCIPOQ3fggAAAAY',
      'base64',
    );
    expect(v1[0]).toBe(0xd1);
    const decoded = decodeRecords(new Uint8Array(v1));
    expect(firstDifference(decoded, [
      { id: 'sensor-1', ts: '2026-01-01T00:00:00.000Z', temp: 21.5, tags: ['a', 'b'], meta: { ok: true, n: -0 } },
      { id: 'sensor-2', ts: '2026-01-01T00:00:01.000Z', temp: 19.25, tags: [], meta: null },
      { id: 'sensor-1', ts: '2026-01-01T00:00:02.000Z', temp: 21.75, extra: 'x', tags: ['a'], meta: { ok: false, n: 1e300 } },
    ])).toBeUndefined();
  });

  it('shreds nested values into columns: nested records cost about what the same values cost as top-level fields', () => {
    // GeoJSON-like earthquake features, 20 sources × 10 updates: the same values nested and flattened.
    const nested: JsonRecord[] = [];
    const flat: JsonRecord[] = [];
    for (let update = 0; update < 10; update++) {
      for (let source = 0; source < 20; source++) {
        const mag = Math.round((2 + source / 10 + update / 100) * 100) / 100;
        const lon = Math.round((-120 + source + update / 1000) * 10000) / 10000;
        const lat = Math.round((35 + source / 2 - update / 1000) * 10000) / 10000;
        const url = `https://example.org/earthquakes/feed/v1.0/detail/ev${1000 + source}.geojson`;
        nested.push({
          type: 'Feature',
          id: `ev${1000 + source}`,
          properties: { mag, place: `${source} km N of Town`, time: 1_767_225_600_000 + update * 60_000, url, tsunami: 0 },
          geometry: { type: 'Point', coordinates: [lon, lat, 10 + (source % 5)] },
        });
        flat.push({ type: 'Feature', id: `ev${1000 + source}`, mag, place: `${source} km N of Town`, time: 1_767_225_600_000 + update * 60_000, url, tsunami: 0, gtype: 'Point', lon, lat, depth: 10 + (source % 5) });
      }
    }
    const nestedFrame = encodeRecords(nested, { entityKey: 'id' });
    const flatFrame = encodeRecords(flat, { entityKey: 'id' });
    expect(firstDifference(decodeRecords(nestedFrame), nested)).toBeUndefined();
    expect(nestedFrame.length).toBeLessThan(flatFrame.length + 64);
  });

  it('writes nested values whole once a frame has shredded MAX_NESTED_ENTRIES entries, and still round-trips', () => {
    const huge = new Array<number>(MAX_NESTED_ENTRIES).fill(7);
    const records: JsonRecord[] = [{ a: [1, [2]] }, { a: huge }, { a: [3, { b: 4 }] }];
    const decoded = decodeRecords(encodeRecords(records));
    expect(firstDifference(decoded, records)).toBeUndefined();
  });

  it('keeps arrays of any length, empty objects and arrays, and null apart from a missing key, nested', () => {
    const long = Array.from({ length: 40 }, (_, i) => ({ n: i, tag: i % 3 === 0 ? null : `t${i}` }));
    expectRoundTrip([
      { a: { b: {}, c: [], d: null, e: [[], [{}], [[1, 2], [3]]] }, list: long },
      { a: { c: [], b: {} }, list: long.slice(0, 17) },
      { a: { b: { x: 1 }, d: 'now a string' }, list: [] },
    ]);
  });
});
