import fc from 'fast-check';
import { compress, compressFrame, crc32c, toProtoCodec, type CodecName } from '@deltastream/compression';
import { encodeRecords, type JsonRecord } from '@deltastream/delta-codec';
import { nodeDecompressors, runtimeDecompressors, type Decompressors } from './codecs';
import { FrameError } from './errors';
import { decodeFrame, PayloadEncoding } from './frame-decoder';
import type { WireFrame } from './frame-wire';

const decompressors = runtimeDecompressors();
const options = { decompressors, maxFrameBytes: 1 << 20, verifyChecksums: true };
let node: Decompressors = {};

beforeAll(async () => {
  node = await nodeDecompressors();
});

const records: fc.Arbitrary<JsonRecord[]> = fc.array(
  fc.record({ id: fc.constantFrom('a', 'b', 'c'), temp: fc.double({ noNaN: true, noDefaultInfinity: true }), label: fc.string({ maxLength: 12 }), n: fc.integer() }),
  { minLength: 1, maxLength: 40 },
);

/** A frame as the compressor makes it (libs/compression compressFrame), fallback included. */
function frameOf(batch: JsonRecord[], codec: CodecName, overrides: Partial<WireFrame> = {}): WireFrame {
  const raw = encodeRecords(batch, { entityKey: 'id' });
  const compressed = compressFrame(raw, { codec, minBytes: 0 });
  return {
    stream: 's',
    seq: 1,
    windowStartMs: 0,
    windowEndMs: 0,
    eventCount: batch.length,
    encoding: PayloadEncoding.deltaV1,
    codec: toProtoCodec(compressed.codec),
    rawSize: compressed.rawSize,
    payload: compressed.payload,
    checksum: { algorithm: 1, value: compressed.checksum },
    producedAtMs: undefined,
    windowId: 'w',
    minObservedAtMs: 0,
    fallback: compressed.fallback ? { codec: toProtoCodec(compressed.fallback.codec), payload: compressed.fallback.payload } : undefined,
    ...overrides,
  };
}

/** One long, internally repetitive string: every codec shrinks it, so compressFrame keeps the codec asked for. */
const compressible: JsonRecord[] = [{ id: 'a', text: 'hello world '.repeat(200) }];

describe('decodeFrame', () => {
  it('advertises what this runtime decodes: none, gzip, zstd (and brotli where DecompressionStream has it), never lz4/snappy', () => {
    const codecs = Object.keys(decompressors);
    expect(codecs).toEqual(expect.arrayContaining(['none', 'gzip', 'zstd']));
    expect(codecs).not.toContain('lz4');
    expect(codecs).not.toContain('snappy');
  });

  it('returns exactly the encoded records for every codec, using the gzip fallback for lz4 and snappy', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.constantFrom<CodecName>('none', 'gzip', 'zstd', 'brotli', 'lz4', 'snappy'), async (batch, codec) => {
        const frame = frameOf(batch, codec);
        const decoded = await decodeFrame(frame, options);
        expect(decoded.records).toEqual(batch);
        const native = codec in decompressors || frame.fallback === undefined;
        expect(decoded.usedFallback).toBe(!native);
      }),
      { numRuns: 150 },
    );
  });

  it('uses the fallback copy when the primary payload is corrupt, and names a checksum mismatch when both are bad', async () => {
    const batch = compressible;
    const frame = frameOf(batch, 'zstd');
    expect(frame.codec).toBe(toProtoCodec('zstd'));
    const corrupted = Uint8Array.from(frame.payload);
    corrupted[corrupted.length - 1] = (corrupted.at(-1) ?? 0) ^ 0xff;
    await expect(decodeFrame({ ...frame, payload: corrupted }, options)).resolves.toMatchObject({ records: batch, usedFallback: true });
    const wrongChecksum = { ...frame, checksum: { algorithm: 1, value: ((frame.checksum?.value ?? 0) + 1) >>> 0 } };
    await expect(decodeFrame(wrongChecksum, options)).rejects.toMatchObject({ kind: 'checksum_mismatch' });
  });

  it('refuses frames without a CRC32C unless verification is off', async () => {
    const frame = frameOf([{ id: 'a' }], 'gzip', { checksum: undefined });
    await expect(decodeFrame(frame, options)).rejects.toMatchObject({ kind: 'checksum_mismatch' });
    await expect(decodeFrame(frame, { ...options, verifyChecksums: false })).resolves.toMatchObject({ records: [{ id: 'a' }] });
  });

  it('never inflates past the declared size or the limit (decompression bombs)', async () => {
    const raw = new Uint8Array(100_000);
    const bomb = compress('gzip', raw, 9);
    const base = { ...frameOf([{ id: 'a' }], 'gzip'), codec: toProtoCodec('gzip'), payload: bomb, checksum: { algorithm: 1, value: crc32c(raw) }, fallback: undefined };
    await expect(decodeFrame({ ...base, rawSize: 1000 }, options)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(decodeFrame({ ...base, rawSize: 100_000 }, { ...options, maxFrameBytes: 50_000 })).rejects.toMatchObject({ kind: 'too_large' });
    await expect(decodeFrame({ ...base, rawSize: 200_000 }, options)).rejects.toMatchObject({ kind: 'size_mismatch' });
    // zstd decodes into a buffer of the declared size only; the checksum catches the difference.
    const zstdBomb = { ...base, codec: toProtoCodec('zstd'), payload: compress('zstd', raw, 3), rawSize: 1000 };
    await expect(decodeFrame(zstdBomb, options)).rejects.toMatchObject({ kind: 'checksum_mismatch' });
  });

  it('decodes JSON payloads and refuses unknown encodings and codecs', async () => {
    const json = new TextEncoder().encode(JSON.stringify([{ id: 'x', v: 1 }]));
    const frame = { ...frameOf([{ id: 'a' }], 'none'), encoding: PayloadEncoding.json, payload: json, rawSize: json.length, checksum: { algorithm: 1, value: crc32c(json) } };
    await expect(decodeFrame(frame, options)).resolves.toMatchObject({ records: [{ id: 'x', v: 1 }] });
    await expect(decodeFrame({ ...frame, encoding: 0 }, options)).rejects.toMatchObject({ kind: 'unsupported_encoding' });
    await expect(decodeFrame({ ...frame, codec: 0 }, options)).rejects.toMatchObject({ kind: 'unsupported_codec' });
    const lz4 = frameOf(compressible, 'lz4');
    expect(lz4.codec).toBe(toProtoCodec('lz4'));
    await expect(decodeFrame({ ...lz4, fallback: undefined }, options)).rejects.toMatchObject({ kind: 'unsupported_codec' });
  });

  it('never returns records that differ from what was encoded: a corrupted payload is an error or the exact records', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.constantFrom<CodecName>('none', 'gzip', 'zstd'), fc.nat(), fc.integer({ min: 0, max: 7 }), async (batch, codec, at, bit) => {
        const frame = { ...frameOf(batch, codec), fallback: undefined };
        const payload = Uint8Array.from(frame.payload);
        const index = at % payload.length;
        payload[index] = (payload[index] ?? 0) ^ (1 << bit);
        try {
          const decoded = await decodeFrame({ ...frame, payload }, options);
          expect(decoded.records).toEqual(batch);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('node:zlib decompressors (Node only) decode the same, and refuse the same bombs', async () => {
    expect(Object.keys(node).sort()).toEqual(['brotli', 'gzip', 'zstd']);
    const withNode = { ...options, decompressors: { ...decompressors, ...node } };
    await fc.assert(
      fc.asyncProperty(records, fc.constantFrom<CodecName>('gzip', 'zstd', 'brotli'), async (batch, codec) => {
        expect((await decodeFrame(frameOf(batch, codec), withNode)).records).toEqual(batch);
      }),
      { numRuns: 100 },
    );
    const raw = new Uint8Array(100_000);
    for (const codec of ['gzip', 'zstd', 'brotli'] as const) {
      const base = { ...frameOf([{ id: 'a' }], 'none'), codec: toProtoCodec(codec), payload: compress(codec, raw), checksum: { algorithm: 1, value: crc32c(raw) } };
      await expect(decodeFrame({ ...base, rawSize: 1000 }, withNode)).rejects.toMatchObject({ kind: 'too_large' });
      await expect(decodeFrame({ ...base, rawSize: 200_000 }, withNode)).rejects.toMatchObject({ kind: 'size_mismatch' });
      // The exact size inflates and verifies; zeros are just not delta-encoded records.
      await expect(decodeFrame({ ...base, rawSize: 100_000 }, withNode)).rejects.toMatchObject({ kind: 'undecodable' });
      await expect(decodeFrame({ ...base, payload: Uint8Array.of(1, 2, 3), rawSize: 100_000 }, withNode)).rejects.toMatchObject({ kind: 'corrupt' });
    }
  });
});
