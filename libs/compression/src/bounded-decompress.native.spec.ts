// Proves the bounds are applied BEFORE the decoders run: lz4/snappy allocate whatever their header
// declares, so calling them first would already be the damage; zlib must be told to stop at rawSize.
// The packages are wrapped in spies.
import { uncompressSync as lz4Uncompress } from 'lz4-napi';
import { uncompressSync as snappyUncompress } from 'snappy';
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { compress } from './codecs';
import { decompress } from './bounded-decompress';
import { FrameDecodeError } from './errors';

jest.mock('lz4-napi', () => {
  const actual = jest.requireActual<typeof import('lz4-napi')>('lz4-napi');
  return { ...actual, uncompressSync: jest.fn(actual.uncompressSync) };
});
jest.mock('node:zlib', () => {
  const actual = jest.requireActual<typeof import('node:zlib')>('node:zlib');
  return {
    ...actual,
    gunzipSync: jest.fn(actual.gunzipSync),
    brotliDecompressSync: jest.fn(actual.brotliDecompressSync),
    zstdDecompressSync: jest.fn(actual.zstdDecompressSync),
  };
});
jest.mock('snappy', () => {
  const actual = jest.requireActual<typeof import('snappy')>('snappy');
  return { ...actual, uncompressSync: jest.fn(actual.uncompressSync) };
});

const MiB = 1024 * 1024;
const zeros = new Uint8Array(8 * MiB);

describe('native decoders are only called with a vetted size header', () => {
  beforeEach(() => jest.clearAllMocks());

  it.each([
    ['lz4', lz4Uncompress],
    ['snappy', snappyUncompress],
  ] as const)('%s: an 8 MiB frame under a 1 MiB cap never reaches the native decoder', (codec, native) => {
    const payload = compress(codec, zeros);
    expect(() => decompress(codec, payload, { rawSize: zeros.length, maxBytes: MiB })).toThrow(FrameDecodeError);
    // rawSize lies (small) while the header tells the truth (8 MiB): still refused up front.
    expect(() => decompress(codec, payload, { rawSize: 1000, maxBytes: MiB })).toThrow(
      expect.objectContaining({ kind: 'too_large', message: expect.stringContaining('header declares') }),
    );
    expect(native).not.toHaveBeenCalled();
  });

  it.each([
    ['lz4', lz4Uncompress],
    ['snappy', snappyUncompress],
  ] as const)('%s: an honest frame does reach it (the spy is wired)', (codec, native) => {
    const small = zeros.subarray(0, 1000);
    expect(decompress(codec, compress(codec, small), { rawSize: 1000, maxBytes: MiB })).toHaveLength(1000);
    expect(native).toHaveBeenCalledTimes(1);
  });
});

describe('zlib decoders are capped at the frame rawSize, not just maxBytes', () => {
  beforeEach(() => jest.clearAllMocks());

  it.each([
    ['gzip', gunzipSync],
    ['brotli', brotliDecompressSync],
    ['zstd', zstdDecompressSync],
  ] as const)('%s: maxOutputLength is the declared rawSize', (codec, zlibDecode) => {
    const payload = compress(codec, zeros);
    expect(() => decompress(codec, payload, { rawSize: 1000, maxBytes: MiB })).toThrow(expect.objectContaining({ kind: 'too_large' }));
    expect(zlibDecode).toHaveBeenCalledTimes(1);
    expect(zlibDecode).toHaveBeenCalledWith(payload, expect.objectContaining({ maxOutputLength: 1000 }));
  });
});
