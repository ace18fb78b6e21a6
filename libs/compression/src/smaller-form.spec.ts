import fc from 'fast-check';
import { type CodecName } from './codec';
import { decodeFramePayload } from './frame-payload';
import { FormCheck, compressSmallerForm } from './smaller-form';
import { compressibleBytes, payloads } from './spec-helpers';

const decode = (frame: { codec: CodecName; payload: Uint8Array; rawSize: number; checksum: number }) => decodeFramePayload(frame, { maxBytes: 1 << 24 });
const always = () => new FormCheck({ clearWinsBeforeSampling: Number.MAX_SAFE_INTEGER });

describe('compressSmallerForm', () => {
  it('keeps the smaller form after the same codec, and what it keeps decodes to exactly that form', () => {
    fc.assert(
      fc.property(payloads, payloads, fc.constantFrom<CodecName>('gzip', 'zstd', 'brotli', 'lz4', 'snappy'), (primary, alternative, codec) => {
        const policy = { codec, minBytes: 0 };
        const chosen = compressSmallerForm({ primary, alternative: () => alternative }, policy, always());
        expect(decode(chosen)).toEqual(chosen.form === 'primary' ? primary : alternative);
        const primaryAlone = compressSmallerForm({ primary, alternative: () => undefined }, policy, always());
        expect(chosen.payload.byteLength).toBeLessThanOrEqual(primaryAlone.payload.byteLength);
        if (primaryAlone.codec !== 'none') {
          const alternativeAlone = compressSmallerForm({ primary: alternative, alternative: () => undefined }, { codec: primaryAlone.codec, level: primaryAlone.level, minBytes: 0 }, always());
          expect(chosen.payload.byteLength).toBeLessThanOrEqual(alternativeAlone.payload.byteLength);
        }
        // The other form goes out in the primary's codec, or uncompressed where that codec would not shrink it.
        if (chosen.form === 'alternative') expect([primaryAlone.codec, 'none']).toContain(chosen.codec);
      }),
    );
  });

  it('picks the JSON-like form when it compresses smaller, with a gzip fallback for a zstd frame', () => {
    const bulky = compressibleBytes(20_000);
    const small = compressibleBytes(2_000);
    const chosen = compressSmallerForm({ primary: bulky, alternative: () => small }, { codec: 'zstd', minBytes: 0 }, new FormCheck());
    expect(chosen.form).toBe('alternative');
    expect(chosen.codec).toBe('zstd');
    expect(decode(chosen)).toEqual(small);
    expect(chosen.fallback?.codec).toBe('gzip');
  });

  it('does not make the other form for a frame that goes out uncompressed (under minBytes)', () => {
    const alternative = jest.fn(() => new Uint8Array(4));
    const chosen = compressSmallerForm({ primary: compressibleBytes(100), alternative }, { codec: 'zstd', minBytes: 256 }, new FormCheck());
    expect(chosen).toMatchObject({ codec: 'none', form: 'primary' });
    expect(alternative).not.toHaveBeenCalled();
  });
});

describe('FormCheck', () => {
  it('compares every frame until the primary has won clearly 8 times in a row, then one frame in 16', () => {
    const check = new FormCheck();
    const seen: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(check.due());
      check.record(10, 100);
    }
    expect(seen.every(Boolean)).toBe(true);
    const sampled = Array.from({ length: 32 }, () => check.due());
    expect(sampled.filter(Boolean)).toHaveLength(2);
    expect(sampled[15]).toBe(true);
  });

  it('goes back to every frame as soon as a compared frame is close (or lost)', () => {
    const check = new FormCheck({ clearWinsBeforeSampling: 2, sampleEvery: 4 });
    check.record(10, 100);
    check.record(10, 100);
    expect([check.due(), check.due(), check.due(), check.due()]).toEqual([false, false, false, true]);
    check.record(80, 100); // not a clear win: 80 > 0.75 · 100
    expect([check.due(), check.due(), check.due()]).toEqual([true, true, true]);
  });

  it('refuses settings that make no sense', () => {
    expect(() => new FormCheck({ clearWinRatio: 0 })).toThrow(RangeError);
    expect(() => new FormCheck({ clearWinRatio: 1.5 })).toThrow(RangeError);
    expect(() => new FormCheck({ sampleEvery: 0 })).toThrow(RangeError);
    expect(() => new FormCheck({ clearWinsBeforeSampling: 1.5 })).toThrow(RangeError);
  });
});
