import fc from 'fast-check';
import { firstDifference, jsonRecords } from './fixtures/json-arbitraries';
import { DeltaDecodeError, encodeRecords, recordsAsJson, type JsonRecord } from './index';

const text = new TextDecoder('utf-8', { fatal: true });

/** Does any value, at any depth, hold -0? (the reference: JSON.stringify's replacer sees every value) */
function negativeZeroSomewhere(records: readonly JsonRecord[]): boolean {
  let found = false;
  JSON.stringify(records, (_key, value: unknown) => {
    if (Object.is(value, -0)) found = true;
    return value;
  });
  return found;
}

describe('recordsAsJson', () => {
  it('gives JSON text that parses back to exactly the records, or nothing when they hold a -0', () => {
    fc.assert(
      fc.property(jsonRecords({ entityKey: 'id' }), (records) => {
        const json = recordsAsJson(encodeRecords(records, { entityKey: 'id' }));
        if (negativeZeroSomewhere(records)) {
          expect(json).toBeUndefined();
          return;
        }
        expect(json).toBeDefined();
        expect(firstDifference(JSON.parse(text.decode(json)), records)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a -0 nested in an array or object, and keeps a __proto__ key as an own field', () => {
    expect(recordsAsJson(encodeRecords([{ id: 'a', v: { w: [1, -0] } }]))).toBeUndefined();
    expect(recordsAsJson(encodeRecords([{ id: 'a', v: -0 }]))).toBeUndefined();
    const proto = JSON.parse('[{"id":"a","__proto__":{"x":1}}]') as JsonRecord[];
    const json = recordsAsJson(encodeRecords(proto));
    expect(text.decode(json)).toBe('[{"id":"a","__proto__":{"x":1}}]');
  });

  it('throws DeltaDecodeError for bytes that are not a delta payload', () => {
    expect(() => recordsAsJson(new Uint8Array([1, 2, 3]))).toThrow(DeltaDecodeError);
  });
});
