import { Codec } from '@deltastream/contracts';
import { CODEC_NAMES } from './codec';
import { FrameDecodeError } from './errors';
import { fromProtoCodec, toProtoCodec } from './proto-codec';

describe('proto codec mapping', () => {
  it('maps every name to its wire value and back', () => {
    expect(CODEC_NAMES.map(toProtoCodec)).toEqual([Codec.NONE, Codec.GZIP, Codec.BROTLI, Codec.ZSTD, Codec.LZ4, Codec.SNAPPY]);
    expect(CODEC_NAMES.map(toProtoCodec)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const name of CODEC_NAMES) expect(fromProtoCodec(toProtoCodec(name))).toBe(name);
  });

  it.each([Codec.UNSPECIFIED, 7, -1, 2.5])('refuses wire value %p as unknown_codec', (value) => {
    expect(() => fromProtoCodec(value)).toThrow(FrameDecodeError);
    expect(() => fromProtoCodec(value)).toThrow(expect.objectContaining({ kind: 'unknown_codec' }));
  });
});
