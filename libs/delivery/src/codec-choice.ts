import { Codec } from '@deltastream/contracts';

/** Payload copies of a frame: the primary (frame.codec) or the fallback (frame.fallback, gzip). */
export type PayloadChoice = 'primary' | 'fallback';

/**
 * Codecs every client decodes (browsers: DecompressionStream('gzip')), so a frame in one of them, or a
 * frame without a fallback, is always sent as it is.
 */
export const UNIVERSAL_CODECS: readonly Codec[] = [Codec.NONE, Codec.GZIP];

/**
 * Which payload copy a subscriber gets. The edge encodes each copy once per frame and writes the same
 * buffer to everyone who chose it. `accepted` is the subscriber's codec list (a handful of entries:
 * the scan is constant time); an empty list means only the universal codecs.
 */
export function wantsCodec(accepted: readonly Codec[], frameCodec: Codec, fallbackCodec: Codec | undefined): PayloadChoice {
  if (fallbackCodec === undefined || fallbackCodec === Codec.UNSPECIFIED) return 'primary';
  if (UNIVERSAL_CODECS.includes(frameCodec) || accepted.includes(frameCodec)) return 'primary';
  return 'fallback';
}
