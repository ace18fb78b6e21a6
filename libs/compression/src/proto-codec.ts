// Mapping between our codec names and the wire enum deltastream.v1.Codec.
import { Codec } from '@deltastream/contracts';
import type { CodecName } from './codec';
import { FrameDecodeError } from './errors';

const TO_PROTO: Readonly<Record<CodecName, Codec>> = {
  none: Codec.NONE,
  gzip: Codec.GZIP,
  brotli: Codec.BROTLI,
  zstd: Codec.ZSTD,
  lz4: Codec.LZ4,
  snappy: Codec.SNAPPY,
};

const FROM_PROTO: ReadonlyMap<number, CodecName> = new Map(Object.entries(TO_PROTO).map(([name, codec]) => [codec, name as CodecName]));

export function toProtoCodec(codec: CodecName): Codec {
  return TO_PROTO[codec];
}

/**
 * The codec name of a received frame. CODEC_UNSPECIFIED (a producer that forgot to set it) and values
 * from a newer schema are FrameDecodeError('unknown_codec'): guessing would feed bytes to the wrong decoder.
 */
export function fromProtoCodec(codec: Codec | number): CodecName {
  const name = FROM_PROTO.get(codec);
  if (name === undefined) throw new FrameDecodeError('unknown_codec', `unsupported frame codec ${codec}`);
  return name;
}
