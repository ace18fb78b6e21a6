import fc from 'fast-check';
import { compileRecordFilter } from '@deltastream/delivery';
import type { JsonRecord } from '@deltastream/delta-codec';
import { recordFilter } from './record-filter';

const ids = fc.constantFrom('a', 'b', '7', 'x y');
const value = fc.oneof(ids, fc.integer({ min: 0, max: 9 }), fc.double(), fc.boolean(), fc.constant(null));
const records: fc.Arbitrary<JsonRecord[]> = fc.array(
  fc.dictionary(fc.constantFrom('id', 'temp', 'hum', 'nested', 'constructor'), value).map((r) => r as JsonRecord),
  { maxLength: 20 },
);

describe('recordFilter (client side, for binary frames)', () => {
  it('keeps and projects exactly the records the edge keeps for SSE JSON and snapshots', () => {
    fc.assert(
      fc.property(records, fc.array(ids, { maxLength: 3 }), fc.array(fc.constantFrom('temp', 'hum', 'nested', 'constructor'), { maxLength: 3 }), (batch, entities, fields) => {
        const ours = recordFilter('id', entities, fields)(batch);
        const edge = compileRecordFilter({ entityIdField: 'id', entities, fields })(batch) as JsonRecord[];
        // Same records, same keys in the same order (the edge's projections have no prototype).
        expect(ours.map((r) => Object.entries(r))).toEqual(edge.map((r) => Object.entries(r)));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns the input array itself when there is nothing to filter', () => {
    const batch = [{ id: 'a' }];
    expect(recordFilter('id', [], [])(batch)).toBe(batch);
  });
});
