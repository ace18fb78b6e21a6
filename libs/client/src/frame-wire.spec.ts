import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { ScalarType } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { FrameSchema, type Frame } from '@deltastream/contracts';
import { FrameError } from './errors';
import { FRAME_FIELDS, parseFrame, type WireFrame } from './frame-wire';

const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const enumValue = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

/** Arbitrary Frame messages, every field independently present or default, 64-bit values over their full range. */
const frames = fc.record({
  stream: fc.string({ unit: 'grapheme', maxLength: 20 }),
  seq: fc.oneof(fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), fc.constantFrom(0n, 1n, 2n ** 32n, BigInt(Number.MAX_SAFE_INTEGER))),
  windowStartMs: int64,
  windowEndMs: int64,
  eventCount: uint32,
  encoding: enumValue,
  codec: enumValue,
  rawSize: uint32,
  payload: fc.uint8Array({ maxLength: 64 }),
  checksum: fc.option(fc.record({ algorithm: enumValue, value: uint64 }), { nil: undefined }),
  producedAt: fc.option(fc.record({ seconds: fc.bigInt({ min: 0n, max: 253402300799n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }), { nil: undefined }),
  windowId: fc.string({ maxLength: 20 }),
  minObservedAtMs: int64,
  fallback: fc.option(fc.record({ codec: enumValue, payload: fc.uint8Array({ maxLength: 32 }) }), { nil: undefined }),
});

/** What parseFrame should return for a message the generated code decoded. */
function expected(frame: Frame): WireFrame {
  return {
    stream: frame.stream,
    seq: Number(frame.seq),
    windowStartMs: Number(frame.windowStartMs),
    windowEndMs: Number(frame.windowEndMs),
    eventCount: frame.eventCount,
    encoding: frame.encoding,
    codec: frame.codec,
    rawSize: frame.rawSize,
    payload: frame.payload,
    checksum: frame.checksum ? { algorithm: frame.checksum.algorithm, value: Number(frame.checksum.value) } : undefined,
    producedAtMs: frame.producedAt ? Number(frame.producedAt.seconds) * 1000 + Math.trunc(frame.producedAt.nanos / 1e6) : undefined,
    windowId: frame.windowId,
    minObservedAtMs: Number(frame.minObservedAtMs),
    fallback: frame.fallback ? { codec: frame.fallback.codec, payload: frame.fallback.payload } : undefined,
  };
}

const normalize = (frame: WireFrame) => ({
  ...frame,
  payload: [...frame.payload],
  fallback: frame.fallback ? { ...frame.fallback, payload: [...frame.fallback.payload] } : undefined,
});

describe('parseFrame (the hand-written Frame reader)', () => {
  it('reads every Frame exactly as the generated @bufbuild/protobuf code does', () => {
    fc.assert(
      fc.property(frames, (init) => {
        const bytes = toBinary(FrameSchema, create(FrameSchema, init));
        const reference = fromBinary(FrameSchema, bytes);
        expect(normalize(parseFrame(bytes))).toEqual(normalize(expected(reference)));
      }),
      { numRuns: 2000 },
    );
  });

  it('skips unknown fields of every wire type and merges repeated sub-messages like Protobuf does', () => {
    const unknownField = fc.oneof(
      fc.tuple(fc.integer({ min: 15, max: 2 ** 29 - 1 }), fc.constant(0), fc.constant(Uint8Array.of(0x96, 0x01))),
      fc.tuple(fc.integer({ min: 15, max: 1000 }), fc.constant(1), fc.uint8Array({ minLength: 8, maxLength: 8 })),
      fc.tuple(fc.integer({ min: 15, max: 1000 }), fc.constant(5), fc.uint8Array({ minLength: 4, maxLength: 4 })),
      fc.tuple(fc.integer({ min: 15, max: 1000 }), fc.constant(2), fc.uint8Array({ maxLength: 10 }).map((b) => Uint8Array.of(b.length, ...b))),
    );
    fc.assert(
      fc.property(frames, fc.array(unknownField, { maxLength: 4 }), fc.array(frames, { maxLength: 2 }), (init, unknown, more) => {
        // Concatenated messages merge: later scalars win, sub-messages merge field by field.
        const parts = [toBinary(FrameSchema, create(FrameSchema, init)), ...more.map((m) => toBinary(FrameSchema, create(FrameSchema, m)))];
        for (const [field, wireType, body] of unknown) parts.push(Uint8Array.of(...tag(field, wireType), ...body));
        const bytes = concat(parts);
        expect(normalize(parseFrame(bytes))).toEqual(normalize(expected(fromBinary(FrameSchema, bytes))));
      }),
      { numRuns: 500 },
    );
  });

  it('knows every field of frame.proto with its wire type (fails when the schema changes under it)', () => {
    const wireTypeOf = (field: (typeof FrameSchema.fields)[number]): number => {
      if (field.fieldKind === 'message') return 2;
      if (field.fieldKind === 'enum') return 0;
      if (field.fieldKind !== 'scalar') throw new Error(`unexpected field kind ${field.fieldKind}`);
      return field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES ? 2 : 0;
    };
    const schema = Object.fromEntries(FrameSchema.fields.map((field) => [field.number, wireTypeOf(field)]));
    expect(schema).toEqual({ ...FRAME_FIELDS });
  });

  it('refuses seqs beyond 2^53 - 1 instead of rounding them', () => {
    const bytes = toBinary(FrameSchema, create(FrameSchema, { stream: 's', seq: 2n ** 53n }));
    expect(() => parseFrame(bytes)).toThrow(FrameError);
  });

  it('throws only FrameError("malformed") on arbitrary, truncated or bit-flipped bytes, and always terminates', () => {
    const corruptions = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(frames, fc.nat()).map(([init, cut]) => {
        const bytes = toBinary(FrameSchema, create(FrameSchema, init));
        return bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length);
      }),
      fc.tuple(frames, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([init, at, bit]) => {
        const bytes = toBinary(FrameSchema, create(FrameSchema, init));
        const index = at % Math.max(1, bytes.length);
        if (bytes.length > 0) bytes[index] = (bytes[index] ?? 0) ^ (1 << bit);
        return bytes;
      }),
    );
    fc.assert(
      fc.property(corruptions, (bytes) => {
        try {
          parseFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
          expect((error as FrameError).kind).toBe('malformed');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a group-encoded unknown field and refuses a mismatched end group', () => {
    const base = toBinary(FrameSchema, create(FrameSchema, { stream: 'g', seq: 7n }));
    const group = Uint8Array.of(...tag(20, 3), ...tag(1, 0), 5, ...tag(20, 4));
    expect(parseFrame(concat([base, group])).seq).toBe(7);
    expect(() => parseFrame(concat([base, Uint8Array.of(...tag(20, 3), ...tag(21, 4))]))).toThrow('mismatched end group');
    expect(() => parseFrame(Uint8Array.of(...tag(2, 2), 0))).toThrow('field 2 has wire type 2');
  });
});

const tag = (field: number, wireType: number) => varint((BigInt(field) << 3n) | BigInt(wireType));

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
