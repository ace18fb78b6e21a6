import fc from 'fast-check';
import { AutoCodecChooser } from './chooser';
import { type CodecName } from './codec';
import { compress } from './codecs';
import { crc32c } from './crc32c';
import { decompress } from './bounded-decompress';
import { FrameDecodeError, type FrameDecodeErrorKind } from './errors';
import { type CompressionPolicy, DEFAULT_MIN_BYTES, compressFrame, decodeFramePayload } from './frame-payload';
import { compressibleBytes, payloads } from './spec-helpers';

const MiB = 1024 * 1024;
const FIXED: readonly CodecName[] = ['none', 'gzip', 'brotli', 'zstd', 'lz4', 'snappy'];
const text = compressibleBytes(20_000);

/** Pseudo-random, incompressible bytes (deterministic). */
function noiseBytes(length: number): Uint8Array {
  let state = 12345;
  return Uint8Array.from({ length }, () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
}

function kindOf(fn: () => unknown): FrameDecodeErrorKind | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (error instanceof FrameDecodeError) return error.kind;
    throw error;
  }
}

/** A clock that advances `step` µs per reading. */
function steppingClock(step: number): () => number {
  let now = 0;
  return () => (now += step);
}

describe('compressFrame', () => {
  it.each(['gzip', 'brotli', 'zstd', 'lz4', 'snappy'] as const)('fixed %s: compresses, checksums and records the level', (codec) => {
    const frame = compressFrame(text, { codec, minBytes: 0 });
    expect(frame.codec).toBe(codec);
    expect(frame.level).toBe({ gzip: 6, brotli: 5, zstd: 3, lz4: undefined, snappy: undefined }[codec]);
    expect(frame.rawSize).toBe(text.length);
    expect(frame.checksum).toBe(crc32c(text));
    expect(frame.payload.length).toBeLessThan(text.length / 2);
    expect(decompress(codec, frame.payload, { rawSize: text.length, maxBytes: MiB })).toEqual(text);
  });

  it('uses the policy level', () => {
    expect(compressFrame(text, { codec: 'zstd', level: 19 })).toMatchObject({ codec: 'zstd', level: 19 });
    expect(compressFrame(text, { codec: 'gzip', level: 1 }).payload).toEqual(compress('gzip', text, 1));
  });

  it('sends frames below minBytes uncompressed, and compresses from minBytes on', () => {
    const small = text.subarray(0, 999);
    const below = compressFrame(small, { codec: 'zstd', minBytes: 1000 });
    expect(below).toEqual({ codec: 'none', level: undefined, payload: small, rawSize: 999, checksum: crc32c(small) });
    expect(below.payload).toBe(small);
    expect(compressFrame(text.subarray(0, 1000), { codec: 'zstd', minBytes: 1000 }).codec).toBe('zstd');
    expect(compressFrame(text.subarray(0, DEFAULT_MIN_BYTES - 1), { codec: 'gzip' }).codec).toBe('none');
  });

  it('sends none when compression does not shrink the payload', () => {
    const noise = noiseBytes(5000);
    for (const codec of ['gzip', 'brotli', 'zstd', 'lz4', 'snappy'] as const) {
      const frame = compressFrame(noise, { codec });
      expect(frame).toMatchObject({ codec: 'none', level: undefined, rawSize: 5000 });
      expect(frame.payload).toBe(noise);
      expect(frame.fallback).toBeUndefined();
    }
  });

  it('adds a gzip fallback exactly when browsers cannot decode the codec', () => {
    for (const codec of ['brotli', 'zstd', 'lz4', 'snappy'] as const) {
      const frame = compressFrame(text, { codec });
      expect(frame.fallback?.codec).toBe('gzip');
      const fallbackPayload = frame.fallback?.payload ?? new Uint8Array(0);
      expect(decodeFramePayload({ codec: 'gzip', payload: fallbackPayload, rawSize: frame.rawSize, checksum: frame.checksum }, { maxBytes: MiB })).toEqual(text);
    }
    expect(compressFrame(text, { codec: 'gzip' }).fallback).toBeUndefined();
    expect(compressFrame(text, { codec: 'none' }).fallback).toBeUndefined();
    expect(compressFrame(text, { codec: 'zstd', fallback: false }).fallback).toBeUndefined();
    expect(compressFrame(text, { codec: 'zstd', fallbackLevel: 1 }).fallback?.payload).toEqual(compress('gzip', text, 1));
  });

  it('ignores a chooser under a fixed policy', () => {
    const chooser = new AutoCodecChooser();
    const plan = jest.spyOn(chooser, 'plan');
    expect(compressFrame(text, { codec: 'lz4' }, chooser).codec).toBe('lz4');
    expect(plan).not.toHaveBeenCalled();
    expect(chooser.stats().every((s) => s.samples === 0)).toBe(true);
  });

  it('auto: compresses with the chooser plan and feeds it measured samples, trial included', () => {
    const chooser = new AutoCodecChooser({ candidates: [{ codec: 'lz4' }, { codec: 'gzip', level: 9 }] });
    const record = jest.spyOn(chooser, 'record');
    const frame = compressFrame(text, { codec: 'auto' }, chooser, steppingClock(7));
    expect(frame.codec).toBe('lz4');
    expect(frame.payload).toEqual(compress('lz4', text));
    expect(record.mock.calls).toEqual([
      [{ choice: { codec: 'lz4' }, rawBytes: text.length, compressedBytes: frame.payload.length, micros: 7 }],
      [{ choice: { codec: 'gzip', level: 9 }, rawBytes: text.length, compressedBytes: compress('gzip', text, 9).length, micros: 7 }],
    ]);
  });

  it('auto: converges on the codec that scores best for the stream', () => {
    // Equal (injected) CPU for every codec, so ratio decides: gzip:9 beats lz4 by far on text.
    const chooser = new AutoCodecChooser({ candidates: [{ codec: 'lz4' }, { codec: 'gzip', level: 9 }], trialEvery: 2 });
    const clock = steppingClock(5);
    const codecs = Array.from({ length: 40 }, () => compressFrame(text, { codec: 'auto' }, chooser, clock).codec);
    expect(codecs[0]).toBe('lz4');
    expect(codecs.at(-1)).toBe('gzip');
    expect(chooser.switches).toBe(1);
  });

  it('auto: frames below minBytes bypass the chooser', () => {
    const chooser = new AutoCodecChooser();
    const plan = jest.spyOn(chooser, 'plan');
    expect(compressFrame(text.subarray(0, 10), { codec: 'auto', minBytes: 64 }, chooser).codec).toBe('none');
    expect(plan).not.toHaveBeenCalled();
  });

  it.each<[string, CompressionPolicy, AutoCodecChooser | undefined]>([
    ['auto without a chooser', { codec: 'auto' }, undefined],
    ['auto with a level', { codec: 'auto', level: 3 }, new AutoCodecChooser()],
    ['a bad level', { codec: 'gzip', level: 12 }, undefined],
    ['a level on lz4', { codec: 'lz4', level: 1 }, undefined],
    ['a bad fallback level', { codec: 'zstd', fallbackLevel: 0 }, undefined],
    ['a negative minBytes', { codec: 'zstd', minBytes: -1 }, undefined],
  ])('rejects %s', (_, policy, chooser) => {
    expect(() => compressFrame(text, policy, chooser)).toThrow(RangeError);
  });
});

describe('compressFrame → decodeFramePayload', () => {
  it.each(FIXED)('round-trips any payload with fixed %s', (codec) => {
    fc.assert(
      fc.property(payloads, fc.nat(300), (bytes, minBytes) => {
        const frame = compressFrame(bytes, { codec, minBytes });
        expect(decodeFramePayload(frame, { maxBytes: bytes.length })).toEqual(bytes);
        if (frame.fallback) expect(decodeFramePayload({ ...frame, ...frame.fallback }, { maxBytes: bytes.length })).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
  });

  it('round-trips under an auto policy', () => {
    const chooser = new AutoCodecChooser({ trialEvery: 2 });
    fc.assert(
      fc.property(payloads, (bytes) => {
        const frame = compressFrame(bytes, { codec: 'auto', minBytes: 0 }, chooser, steppingClock(1));
        expect(decodeFramePayload(frame, { maxBytes: bytes.length })).toEqual(bytes);
      }),
    );
  });
});

describe('decodeFramePayload', () => {
  const frame = compressFrame(text, { codec: 'zstd' });

  it('accepts the proto uint64 checksum as a bigint', () => {
    expect(decodeFramePayload({ ...frame, checksum: BigInt(frame.checksum) }, { maxBytes: MiB })).toEqual(text);
  });

  it('refuses a wrong checksum, and a missing one unless allowed', () => {
    expect(kindOf(() => decodeFramePayload({ ...frame, checksum: frame.checksum ^ 1 }, { maxBytes: MiB }))).toBe('checksum_mismatch');
    expect(kindOf(() => decodeFramePayload({ ...frame, checksum: undefined }, { maxBytes: MiB }))).toBe('checksum_mismatch');
    expect(decodeFramePayload({ ...frame, checksum: undefined }, { maxBytes: MiB, requireChecksum: false })).toEqual(text);
  });

  it('enforces maxBytes and rawSize', () => {
    expect(kindOf(() => decodeFramePayload(frame, { maxBytes: text.length - 1 }))).toBe('too_large');
    expect(kindOf(() => decodeFramePayload({ ...frame, rawSize: 100 }, { maxBytes: MiB }))).toBe('too_large');
    expect(kindOf(() => decodeFramePayload({ ...frame, codec: 'brotli' }, { maxBytes: MiB }))).toBe('corrupt');
    expect(kindOf(() => decodeFramePayload({ ...frame, codec: 'xz' as CodecName }, { maxBytes: MiB }))).toBe('unknown_codec');
  });

  it.each(['none', 'zstd', 'lz4', 'snappy', 'gzip', 'brotli'] as const)(
    '%s: a corrupted payload never comes back as garbage: the original bytes or a FrameDecodeError',
    (codec) => {
      const original = compressFrame(text.subarray(0, 4000), { codec, minBytes: 0 });
      fc.assert(
        fc.property(fc.nat(original.payload.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
          const payload = Uint8Array.from(original.payload);
          payload[at] = (payload[at] ?? 0) ^ mask;
          try {
            // A flip in a zstd/lz4 literal decodes "fine"; only the CRC32C can catch it.
            const decoded = decodeFramePayload({ ...original, payload }, { maxBytes: MiB });
            expect(decoded).toEqual(text.subarray(0, 4000));
          } catch (error) {
            expect(error).toBeInstanceOf(FrameDecodeError);
          }
        }),
        { numRuns: 200 },
      );
    },
  );

  it('a payload bit flip that decodes cleanly is reported as checksum_mismatch', () => {
    // zstd has no checksum of its own here: flip a literal byte and the decoder happily returns bytes.
    const original = compressFrame(text.subarray(0, 4000), { codec: 'none', minBytes: 0 });
    const payload = Uint8Array.from(original.payload);
    payload[2000] = (payload[2000] ?? 0) ^ 0x20;
    expect(kindOf(() => decodeFramePayload({ ...original, payload }, { maxBytes: MiB }))).toBe('checksum_mismatch');
    const zstdFrame = compressFrame(noiseBytes(100).map((b) => b & 0x0f), { codec: 'zstd', minBytes: 0 });
    const flipped = Uint8Array.from(zstdFrame.payload);
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0x01;
    expect(kindOf(() => decodeFramePayload({ ...zstdFrame, payload: flipped }, { maxBytes: MiB }))).toMatch(/checksum_mismatch|corrupt/);
  });
});
