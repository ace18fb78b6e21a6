import fc from 'fast-check';
import { decodeIntColumn, encodeIntColumn } from './int-column';
import { MAX_INT_MAGNITUDE } from './limits';
import { ByteReader } from './reader';
import { ByteWriter } from './writer';

function encode(values: readonly number[], runs: readonly number[]): Uint8Array {
  const writer = new ByteWriter();
  encodeIntColumn(writer, values, runs);
  return writer.finish();
}

function decode(bytes: Uint8Array, runs: readonly number[], count: number): number[] {
  const reader = new ByteReader(bytes);
  const values = Array.from(decodeIntColumn(reader, runs, count));
  expect(reader.remaining).toBe(0);
  return values;
}

const columnValue = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.integer(),
  fc.constantFrom(MAX_INT_MAGNITUDE, -MAX_INT_MAGNITUDE),
  fc.double({ min: -MAX_INT_MAGNITUDE, max: MAX_INT_MAGNITUDE, noNaN: true }).map((x) => Math.trunc(x) + 0),
);

/** Values grouped in runs of 1..8 (one run per entity). */
const runsOfValues = fc.array(fc.array(columnValue, { minLength: 1, maxLength: 8 }), { maxLength: 12 });

describe('int columns', () => {
  it('round-trip any runs of integers within ±MAX_INT_MAGNITUDE', () => {
    fc.assert(
      fc.property(runsOfValues, (runs) => {
        const values = runs.flat();
        const lengths = runs.map((run) => run.length);
        expect(decode(encode(values, lengths), lengths, values.length)).toEqual(values);
      }),
    );
  });

  it('store each run from an absolute first value: runs can be decoded knowing nothing else', () => {
    const values = [5, 6, 7, 1000, 1001, -3];
    expect(decode(encode(values, [3, 2, 1]), [3, 2, 1], 6)).toEqual(values);
  });

  it('make regular series (versions, timestamps) nearly free with delta-of-delta', () => {
    // Each entity ticks at its own period: deltas differ between runs, second-order deltas are all 0.
    const runs = Array.from({ length: 50 }, (_, entity) =>
      Array.from({ length: 5 }, (_, k) => 1_767_225_605_000 + entity * 17 + k * (1000 + entity)),
    );
    const bytes = encode(runs.flat(), runs.map((run) => run.length));
    expect(bytes[0]).toBe(2);
    // Heads and first deltas: sorted, packed as differences; second-order deltas: one constant.
    expect(bytes.length).toBeLessThanOrEqual(40);
  });

  it('store random walks in the bits their steps need', () => {
    // Three entities walking with steps in [-20, 20]: 6 bits per step, plus the heads and stream headers.
    const runs = [2137, -500, 90_000].map((start, entity) => {
      let value = start;
      return Array.from({ length: 100 }, (_, i) => (value += ((i * 7919 + entity) % 41) - 20));
    });
    const bytes = encode(runs.flat(), [100, 100, 100]);
    expect(bytes[0]).toBe(1);
    expect(bytes.length).toBeLessThanOrEqual(Math.ceil((297 * 6) / 8) + 16);
  });
});
