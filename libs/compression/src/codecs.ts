// Compression side of the codecs: Node zlib (gzip, brotli, zstd) and the two prebuilt N-API packages.
import { compressSync as lz4Compress } from 'lz4-napi';
import { compressSync as snappyCompress } from 'snappy';
import { brotliCompressSync, constants, gzipSync, zstdCompressSync } from 'node:zlib';
import { type CodecName, resolveLevel } from './codec';

/**
 * Compresses `bytes` with `codec` at `level` (default per codec, see LEVEL_RANGES). `none` returns
 * `bytes` itself, not a copy. Throws RangeError for an invalid level or unknown codec.
 *
 * Formats, which `decompress` expects: gzip (RFC 1952), raw brotli stream, one zstd frame with its
 * content size, lz4 block with a 4-byte little-endian size prefix (lz4-napi), raw snappy.
 */
export function compress(codec: CodecName, bytes: Uint8Array, level?: number): Uint8Array {
  const resolved = resolveLevel(codec, level);
  switch (codec) {
    case 'none':
      return bytes;
    case 'gzip':
      return gzipSync(bytes, { level: resolved });
    case 'brotli':
      return brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: resolved ?? constants.BROTLI_DEFAULT_QUALITY,
          // The whole input is known up front; the hint lets brotli size its window and buffers.
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      });
    case 'zstd':
      return zstdCompressSync(bytes, {
        // A known source size puts the content size in the frame header and shrinks the window to it,
        // which keeps the decoder's memory (and our windowLogMax bound) proportional to the frame.
        pledgedSrcSize: bytes.length,
        params: { [constants.ZSTD_c_compressionLevel]: resolved ?? constants.ZSTD_CLEVEL_DEFAULT },
      });
    case 'lz4':
      return lz4Compress(asBuffer(bytes));
    case 'snappy':
      return snappyCompress(bytes);
    default:
      throw new RangeError(`unknown codec ${String(codec satisfies never)}`);
  }
}

/** A zero-copy Buffer view (lz4-napi's sync API is typed for Buffer, not Uint8Array). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
