import fc from 'fast-check';
import { DeltaDecodeError } from './errors';
import { ByteReader } from './reader';
import { bitWidth, varintLength } from './varint';
import { ByteWriter } from './writer';

const safeInteger = fc.oneof(
  fc.nat(),
  fc.constantFrom(0, 0x7f, 0x80, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER),
  fc.double({ min: 0, max: Number.MAX_SAFE_INTEGER, noNaN: true }).map(Math.floor),
);

describe('varints', () => {
  it('round-trip every safe integer, in the predicted number of bytes', () => {
    fc.assert(
      fc.property(fc.array(safeInteger), (values) => {
        const writer = new ByteWriter();
        for (const value of values) writer.varint(value);
        const bytes = writer.finish();
        expect(bytes.length).toBe(values.reduce((sum, value) => sum + varintLength(value), 0));
        const reader = new ByteReader(bytes);
        expect(values.map(() => reader.varint())).toEqual(values);
        expect(reader.remaining).toBe(0);
      }),
    );
  });

  it('round-trip signed values through zig-zag', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constantFrom(2 ** 52 - 1, -(2 ** 52)))), (values) => {
        const writer = new ByteWriter();
        for (const value of values) writer.svarint(value);
        const reader = new ByteReader(writer.finish());
        expect(values.map(() => reader.svarint())).toEqual(values);
      }),
    );
  });

  it('reject truncated, overlong and unsafe varints', () => {
    expect(() => new ByteReader(Uint8Array.of(0x80)).varint()).toThrow(DeltaDecodeError);
    expect(() => new ByteReader(new Uint8Array(9).fill(0x80)).varint()).toThrow(DeltaDecodeError);
    const aboveSafe = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f); // 2^56 - 1
    expect(() => new ByteReader(aboveSafe).varint()).toThrow(DeltaDecodeError);
    expect(() => new ByteReader(new Uint8Array(0)).u8()).toThrow(DeltaDecodeError);
  });

  it('reject counts the remaining bytes cannot hold', () => {
    expect(() => new ByteReader(Uint8Array.of(3, 0, 0)).count(1, 'item')).toThrow(DeltaDecodeError);
    expect(new ByteReader(Uint8Array.of(2, 0, 0)).count(1, 'item')).toBe(2);
  });
});

describe('bit packing', () => {
  it('round-trips values at every width from 0 to 53, with a base', () => {
    const packed = fc
      .integer({ min: 0, max: 53 })
      .chain((width) =>
        fc.tuple(
          fc.constant(width),
          fc.array(fc.double({ min: 0, max: 2 ** width - 1, noNaN: true }).map(Math.floor), { maxLength: 40 }),
          fc.integer(),
        ),
      );
    fc.assert(
      fc.property(packed, fc.nat(7), ([width, offsets, base], lead) => {
        const values = offsets.map((offset) => offset + base);
        const writer = new ByteWriter();
        for (let i = 0; i < lead; i++) writer.u8(0xaa);
        writer.packBits(values, base, width);
        writer.u8(0x55);
        const bytes = writer.finish();
        expect(bytes.length).toBe(lead + Math.ceil((values.length * width) / 8) + 1);
        const reader = new ByteReader(bytes);
        for (let i = 0; i < lead; i++) reader.u8();
        const out = new Float64Array(values.length);
        reader.unpackBits(out, width, base);
        expect(Array.from(out)).toEqual(values);
        expect(reader.u8()).toBe(0x55);
      }),
    );
  });

  it('refuses to unpack past the end', () => {
    expect(() => new ByteReader(Uint8Array.of(0xff)).unpackBits(new Float64Array(3), 3, 0)).toThrow(DeltaDecodeError);
  });

  it('measures bit widths exactly around powers of two', () => {
    for (let bits = 1; bits <= 53; bits++) {
      expect(bitWidth(2 ** (bits - 1))).toBe(bits);
      expect(bitWidth(2 ** bits - 1)).toBe(bits);
    }
    expect(bitWidth(0)).toBe(0);
  });
});

describe('float64 and raw bytes', () => {
  it('round-trip bit-exactly (including -0 and subnormals) across buffer growth', () => {
    const writer = new ByteWriter();
    const values = [-0, 5e-324, 1e300, Math.PI, ...Array.from({ length: 300 }, (_, i) => i / 7)];
    for (const value of values) writer.float64(value);
    writer.bytes(Uint8Array.of(1, 2, 3));
    const reader = new ByteReader(writer.finish());
    for (const value of values) expect(Object.is(reader.float64(), value)).toBe(true);
    expect(Array.from(reader.take(3))).toEqual([1, 2, 3]);
    expect(() => reader.take(1)).toThrow(DeltaDecodeError);
  });
});
