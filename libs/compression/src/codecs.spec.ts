import fc from 'fast-check';
import { type CodecName } from './codec';
import { compress } from './codecs';
import { decompress } from './bounded-decompress';
import { payloads } from './spec-helpers';

const CASES: ReadonlyArray<readonly [CodecName, number | undefined]> = [
  ['none', undefined],
  ['gzip', 1],
  ['gzip', 6],
  ['gzip', 9],
  ['brotli', 0],
  ['brotli', 5],
  ['brotli', 11],
  ['zstd', 1],
  ['zstd', 3],
  ['zstd', 19],
  ['zstd', 22],
  ['lz4', undefined],
  ['snappy', undefined],
];

describe('compress/decompress round trip', () => {
  it.each(CASES)('%s level %p restores any payload exactly, with maxBytes = rawSize', (codec, level) => {
    fc.assert(
      fc.property(payloads, (bytes) => {
        const compressed = compress(codec, bytes, level);
        // The tightest legal limit: any over-allocation or window beyond the frame size would fail here.
        const restored = decompress(codec, compressed, { rawSize: bytes.length, maxBytes: bytes.length });
        expect(Buffer.from(restored).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it.each(['gzip', 'brotli', 'zstd', 'lz4', 'snappy'] as const)('%s actually compresses repetitive input', (codec) => {
    const bytes = new Uint8Array(10_000).fill(7);
    expect(compress(codec, bytes).length).toBeLessThan(bytes.length / 10);
  });

  it('none returns the input itself', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    expect(compress('none', bytes)).toBe(bytes);
  });

  it('works on a view into a larger buffer (byteOffset is honoured)', () => {
    const backing = Uint8Array.from({ length: 600 }, (_, i) => i % 13);
    const view = backing.subarray(100, 400);
    for (const [codec, level] of CASES) {
      const restored = decompress(codec, compress(codec, view, level), { rawSize: 300, maxBytes: 300 });
      expect(Array.from(restored)).toEqual(Array.from(view));
    }
  });

  it('levels change the output (the level really reaches the codec)', () => {
    const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * i) % 251 ^ (i >> 6));
    expect(compress('gzip', bytes, 1).length).not.toBe(compress('gzip', bytes, 9).length);
    expect(compress('brotli', bytes, 0).length).not.toBe(compress('brotli', bytes, 11).length);
    expect(compress('zstd', bytes, 1).length).not.toBe(compress('zstd', bytes, 19).length);
  });

  it('rejects invalid levels and unknown codecs with RangeError', () => {
    const bytes = Uint8Array.of(1);
    expect(() => compress('gzip', bytes, 0)).toThrow(RangeError);
    expect(() => compress('zstd', bytes, 23)).toThrow(RangeError);
    expect(() => compress('lz4', bytes, 1)).toThrow(RangeError);
    expect(() => compress('lzma' as CodecName, bytes)).toThrow(RangeError);
  });
});
