import fc from 'fast-check';
import { type CodecName } from './codec';
import { compress } from './codecs';
import { decompress } from './bounded-decompress';
import { FrameDecodeError, type FrameDecodeErrorKind } from './errors';
import { compressibleBytes } from './spec-helpers';

const MiB = 1024 * 1024;
const COMPRESSING: readonly CodecName[] = ['gzip', 'brotli', 'zstd', 'lz4', 'snappy'];
const ALL: readonly CodecName[] = ['none', ...COMPRESSING];

/** Runs `fn` and returns the FrameDecodeError kind it threw; fails the test on success or any other error. */
function decodeErrorKind(fn: () => unknown): FrameDecodeErrorKind {
  try {
    fn();
  } catch (error) {
    if (error instanceof FrameDecodeError) return error.kind;
    throw new Error(`expected FrameDecodeError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected FrameDecodeError, but decoding succeeded');
}

describe('decompress: compression bombs', () => {
  // 64 MiB of zeros: a few hundred bytes to a few MiB compressed, depending on codec.
  const bombRawSize = 64 * MiB;
  const bombs = new Map<CodecName, Uint8Array>();
  beforeAll(() => {
    const zeros = new Uint8Array(bombRawSize);
    // brotli at level 1: the bomb is just as small and far quicker to build than at the default level.
    for (const codec of COMPRESSING) bombs.set(codec, compress(codec, zeros, codec === 'brotli' ? 1 : undefined));
  });

  function bomb(codec: CodecName): Uint8Array {
    const bytes = bombs.get(codec);
    if (bytes === undefined) throw new Error(`no bomb for ${codec}`);
    return bytes;
  }

  it.each(COMPRESSING)('%s: an honest 64 MiB frame is refused as too_large under a 1 MiB cap', (codec) => {
    expect(bomb(codec).length).toBeLessThan(4 * MiB);
    expect(decodeErrorKind(() => decompress(codec, bomb(codec), { rawSize: bombRawSize, maxBytes: MiB }))).toBe('too_large');
  });

  it.each(COMPRESSING)('%s: a bomb lying about its rawSize (1 KiB) is refused as too_large, never inflated', (codec) => {
    expect(decodeErrorKind(() => decompress(codec, bomb(codec), { rawSize: 1024, maxBytes: MiB }))).toBe('too_large');
  });

  it.each(COMPRESSING)('%s: a bomb claiming exactly the cap is still refused', (codec) => {
    expect(decodeErrorKind(() => decompress(codec, bomb(codec), { rawSize: MiB, maxBytes: MiB }))).toBe('too_large');
  });

  it('the error explains itself', () => {
    expect(() => decompress('zstd', bomb('zstd'), { rawSize: bombRawSize, maxBytes: MiB })).toThrow(
      new FrameDecodeError('too_large', `frame declares ${bombRawSize} bytes uncompressed, above the ${MiB}-byte limit`),
    );
  });
});

describe('decompress: sizes', () => {
  const raw = compressibleBytes(10_000);

  it.each(ALL)('%s: rawSize larger than the real content is refused (size_mismatch)', (codec) => {
    const payload = compress(codec, raw);
    expect(decodeErrorKind(() => decompress(codec, payload, { rawSize: raw.length + 1, maxBytes: MiB }))).toBe('size_mismatch');
  });

  it.each(ALL)('%s: rawSize smaller than the real content is refused (too_large)', (codec) => {
    const payload = compress(codec, raw);
    expect(decodeErrorKind(() => decompress(codec, payload, { rawSize: raw.length - 1, maxBytes: MiB }))).toBe('too_large');
  });

  it.each(ALL)('%s: rawSize above maxBytes is refused before decoding', (codec) => {
    const payload = compress(codec, raw);
    expect(decodeErrorKind(() => decompress(codec, payload, { rawSize: raw.length, maxBytes: raw.length - 1 }))).toBe('too_large');
    expect(decompress(codec, payload, { rawSize: raw.length, maxBytes: raw.length })).toHaveLength(raw.length);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('an invalid rawSize %p is corrupt input', (rawSize) => {
    expect(decodeErrorKind(() => decompress('gzip', compress('gzip', raw), { rawSize, maxBytes: MiB }))).toBe('corrupt');
  });

  it.each([-1, 0.5, Number.NaN, 2 ** 60])('an invalid maxBytes %p is a caller bug (RangeError)', (maxBytes) => {
    expect(() => decompress('none', raw, { rawSize: raw.length, maxBytes })).toThrow(RangeError);
  });

  it('an unknown codec is refused with kind unknown_codec', () => {
    expect(decodeErrorKind(() => decompress('lzma' as CodecName, raw, { rawSize: raw.length, maxBytes: MiB }))).toBe('unknown_codec');
  });

  it('the empty payload decodes in every codec', () => {
    for (const codec of ALL) {
      expect(decompress(codec, compress(codec, new Uint8Array(0)), { rawSize: 0, maxBytes: 0 })).toHaveLength(0);
    }
  });
});

describe('decompress: forged lz4/snappy size headers', () => {
  const raw = compressibleBytes(5000);

  it('lz4: a header claiming 4 GiB is refused as too_large (the native decoder would allocate it)', () => {
    const forged = Uint8Array.from(compress('lz4', raw));
    forged.set([0xff, 0xff, 0xff, 0xff], 0);
    expect(decodeErrorKind(() => decompress('lz4', forged, { rawSize: raw.length, maxBytes: MiB }))).toBe('too_large');
  });

  it('lz4: a header claiming more than the block holds is a size_mismatch, not a short buffer', () => {
    // lz4_flex alone returns the shorter buffer for this; the exact-length check must catch it.
    const forged = Uint8Array.from(compress('lz4', raw));
    new DataView(forged.buffer).setUint32(0, raw.length + 100, true);
    expect(decodeErrorKind(() => decompress('lz4', forged, { rawSize: raw.length + 100, maxBytes: MiB }))).toBe('size_mismatch');
  });

  it('lz4: a header smaller than rawSize is a size_mismatch', () => {
    const forged = Uint8Array.from(compress('lz4', raw));
    new DataView(forged.buffer).setUint32(0, raw.length - 1, true);
    expect(decodeErrorKind(() => decompress('lz4', forged, { rawSize: raw.length, maxBytes: MiB }))).toBe('size_mismatch');
  });

  it('snappy: a varint header claiming ~4 GiB is refused as too_large', () => {
    const real = compress('snappy', raw);
    // Replace the 2-byte varint of 5000 with the 5-byte varint of 2^32 - 1.
    const forged = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, ...real.subarray(2)]);
    expect(decodeErrorKind(() => decompress('snappy', forged, { rawSize: raw.length, maxBytes: MiB }))).toBe('too_large');
  });

  it('snappy: a header disagreeing with rawSize is refused', () => {
    const real = compress('snappy', raw);
    expect(decodeErrorKind(() => decompress('snappy', real, { rawSize: raw.length + 1, maxBytes: MiB }))).toBe('size_mismatch');
  });

  it.each([
    ['lz4', Uint8Array.of(1, 2)],
    ['snappy', Uint8Array.of()],
    ['snappy', Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)],
    ['snappy', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f)],
  ] as const)('%s: a missing or malformed header %p is corrupt', (codec, payload) => {
    expect(decodeErrorKind(() => decompress(codec, payload, { rawSize: 0, maxBytes: MiB }))).toBe('corrupt');
  });
});

describe('decompress: corrupt input never crashes', () => {
  const raw = compressibleBytes(3000);

  it.each(COMPRESSING)('%s: garbage and truncated payloads are FrameDecodeError corrupt', (codec) => {
    const payload = compress(codec, raw);
    const truncated = payload.subarray(0, payload.length >> 1);
    expect(decodeErrorKind(() => decompress(codec, truncated, { rawSize: raw.length, maxBytes: MiB }))).toMatch(/corrupt|size_mismatch/);
    const garbage = new TextEncoder().encode('definitely not a compressed payload');
    expect(decodeErrorKind(() => decompress(codec, garbage, { rawSize: raw.length, maxBytes: MiB }))).toMatch(/corrupt|too_large|size_mismatch/);
  });

  it.each(COMPRESSING)('%s: random bytes and bit flips either decode to rawSize bytes or throw FrameDecodeError', (codec) => {
    const valid = compress(codec, raw);
    const mutated = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
        const copy = Uint8Array.from(valid);
        copy[at] = (copy[at] ?? 0) ^ mask;
        return copy;
      }),
    );
    fc.assert(
      fc.property(mutated, (payload) => {
        try {
          // Success is legitimate (zstd and lz4 carry no checksum: the frame CRC32C catches those).
          expect(decompress(codec, payload, { rawSize: raw.length, maxBytes: 64 * 1024 })).toHaveLength(raw.length);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameDecodeError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
