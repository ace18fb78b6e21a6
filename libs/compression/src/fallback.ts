// Which frames need a second, browser-decodable copy. Browser-safe.
import type { CodecName } from './codec';

/**
 * Codecs every client can decode: browsers' DecompressionStream supports gzip and deflate only (brotli
 * is not in the Compression Streams standard), and `none` needs no decoder.
 */
export const BROWSER_NATIVE_CODECS: readonly CodecName[] = ['none', 'gzip'];

/** The universal codec a fallback copy uses. */
export const FALLBACK_CODEC: 'gzip' & CodecName = 'gzip';

/** True when a frame in `codec` should also carry a fallback copy for browsers. */
export function needsFallback(codec: CodecName): boolean {
  return !BROWSER_NATIVE_CODECS.includes(codec);
}

/** `'gzip'` when browsers cannot decode `codec` natively (brotli, zstd, lz4, snappy), else undefined. */
export function fallbackFor(codec: CodecName): typeof FALLBACK_CODEC | undefined {
  return needsFallback(codec) ? FALLBACK_CODEC : undefined;
}
