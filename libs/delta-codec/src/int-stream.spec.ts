import fc from 'fast-check';
import { DeltaDecodeError } from './errors';
import { decodeIntStream, encodeIntStream, intStreamSize, IntStreamStats } from './int-stream';
import { MAX_INT_MAGNITUDE } from './limits';
import { ByteReader } from './reader';
import { ByteWriter } from './writer';

function encode(values: readonly number[]): Uint8Array {
  const writer = new ByteWriter();
  encodeIntStream(writer, values);
  return writer.finish();
}

function decode(bytes: Uint8Array, count: number): number[] {
  const reader = new ByteReader(bytes);
  const values = Array.from(decodeIntStream(reader, count));
  expect(reader.remaining).toBe(0);
  return values;
}

// Streams carry column values and up to three levels of their differences.
const streamValue = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.integer(),
  fc.constantFrom(4 * MAX_INT_MAGNITUDE, -4 * MAX_INT_MAGNITUDE),
  fc.double({ min: -4 * MAX_INT_MAGNITUDE, max: 4 * MAX_INT_MAGNITUDE, noNaN: true }).map((x) => Math.trunc(x) + 0),
);

describe('int streams', () => {
  it('round-trip any integers within the column bounds, in the size they predict', () => {
    fc.assert(
      fc.property(fc.array(streamValue, { maxLength: 60 }), (values) => {
        const bytes = encode(values);
        expect(bytes.length).toBe(intStreamSize(values));
        expect(decode(bytes, values.length)).toEqual(values);
      }),
    );
  });

  it('are sized value by value (IntStreamStats) exactly as many bytes as encoding them writes', () => {
    fc.assert(
      fc.property(fc.array(streamValue, { maxLength: 60 }), (values) => {
        const stats = new IntStreamStats();
        for (const value of values) stats.add(value);
        expect(stats.size()).toBe(encode(values).length);
      }),
      { numRuns: 500 },
    );
  });

  it('write nothing for an empty stream and a few bytes for a constant one', () => {
    expect(encode([]).length).toBe(0);
    expect(encode(new Array<number>(10_000).fill(1_767_225_605_000)).length).toBeLessThanOrEqual(8);
  });

  it('bit-pack small values (flags take one bit each)', () => {
    const flags = Array.from({ length: 800 }, (_, i) => (i % 7 === 0 ? 1 : 0));
    expect(encode(flags).length).toBe(2 + 100);
  });

  it('pack sorted sequences as differences', () => {
    const ascending = Array.from({ length: 100 }, (_, i) => 1_000_000 + i * 3);
    const bytes = encode(ascending);
    expect(bytes.length).toBeLessThanOrEqual(6);
    expect(decode(bytes, ascending.length)).toEqual(ascending);
  });

  it('reject widths no encoder writes', () => {
    expect(() => decode(Uint8Array.of(54, 0), 1)).toThrow(DeltaDecodeError);
  });
});
