// Decompression with a hard ceiling. Frame payloads are untrusted input: a few KiB can inflate to
// gigabytes, and lz4/snappy headers can ask the native decoder for a 4 GiB allocation. Every path here
// bounds the output BEFORE producing it: zlib codecs by `maxOutputLength`, lz4/snappy by checking their
// size header before the native call.
import { uncompressSync as lz4Uncompress } from 'lz4-napi';
import { uncompressSync as snappyUncompress } from 'snappy';
import { constants as bufferConstants } from 'node:buffer';
import { brotliDecompressSync, constants, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { type CodecName, isCodecName } from './codec';
import { FrameDecodeError } from './errors';
import { lz4DeclaredSize, snappyDeclaredSize } from './size-headers';

export interface DecompressLimits {
  /** The frame's declared uncompressed size; the output must be exactly this long. */
  readonly rawSize: number;
  /** The decoder's own hard cap, whatever the frame declares. */
  readonly maxBytes: number;
}

/**
 * Decompresses an untrusted payload to exactly `rawSize` bytes (never more than `maxBytes`). Throws
 * FrameDecodeError for anything else — see FrameDecodeErrorKind — and RangeError only for an invalid
 * `maxBytes` (a caller bug, not bad input). `none` returns `payload` itself.
 *
 * The payload's integrity is NOT checked here (zstd and lz4 carry no checksum of their own): verify the
 * frame's CRC32C afterwards, or use `decodeFramePayload` which does both.
 */
export function decompress(codec: CodecName, payload: Uint8Array, limits: DecompressLimits): Uint8Array {
  const { rawSize, maxBytes } = limits;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || maxBytes > bufferConstants.MAX_LENGTH) {
    throw new RangeError(`maxBytes must be an integer in 0..${bufferConstants.MAX_LENGTH} (got ${maxBytes})`);
  }
  // `codec` may come straight off the wire, typed or not.
  if (!isCodecName(codec)) throw new FrameDecodeError('unknown_codec', `unknown codec ${String(codec)}`);
  if (!Number.isSafeInteger(rawSize) || rawSize < 0) throw new FrameDecodeError('corrupt', `invalid rawSize ${rawSize}`);
  if (rawSize > maxBytes) {
    throw new FrameDecodeError('too_large', `frame declares ${rawSize} bytes uncompressed, above the ${maxBytes}-byte limit`);
  }

  let output: Uint8Array;
  switch (codec) {
    case 'none':
      output = payload;
      break;
    case 'gzip':
      output = zlibDecode(codec, limits, () => gunzipSync(payload, { maxOutputLength: outputCeiling(rawSize) }));
      break;
    case 'brotli':
      output = zlibDecode(codec, limits, () => brotliDecompressSync(payload, { maxOutputLength: outputCeiling(rawSize) }));
      break;
    case 'zstd':
      output = zlibDecode(codec, limits, () =>
        zstdDecompressSync(payload, {
          maxOutputLength: outputCeiling(rawSize),
          // The window is decoder memory that maxOutputLength does not cover: a forged header could
          // demand 128 MiB (the default limit) for a tiny frame. No honest frame within maxBytes needs
          // a window larger than maxBytes (compress() pledges the content size, which caps the window).
          params: { [constants.ZSTD_d_windowLogMax]: windowLogFor(maxBytes) },
        }),
      );
      break;
    case 'lz4':
      checkDeclaredSize(codec, lz4DeclaredSize(payload), rawSize, maxBytes);
      output = nativeDecode(codec, () => lz4Uncompress(payload));
      break;
    case 'snappy':
      checkDeclaredSize(codec, snappyDeclaredSize(payload), rawSize, maxBytes);
      output = nativeDecode(codec, () => snappyUncompress(payload, { asBuffer: true }));
      break;
    default:
      throw new FrameDecodeError('unknown_codec', `unknown codec ${String(codec satisfies never)}`);
  }

  if (output.length > rawSize) {
    // Only reachable for `none` (the other paths stop at rawSize), but checked for every codec anyway.
    throw new FrameDecodeError('too_large', `${codec} payload yields more than its declared ${rawSize} bytes`);
  }
  if (output.length < rawSize) {
    throw new FrameDecodeError('size_mismatch', `${codec} payload decoded to ${output.length} bytes, frame declares ${rawSize}`);
  }
  return output;
}

/** zlib refuses a 0 limit, so an empty frame gets 1 byte of room and the exact-length check catches any excess. */
function outputCeiling(rawSize: number): number {
  return Math.max(1, rawSize);
}

/** Smallest zstd window log covering `maxBytes`, within zstd's 10..31. */
function windowLogFor(maxBytes: number): number {
  return Math.min(31, Math.max(10, Math.ceil(Math.log2(Math.max(1, maxBytes)))));
}

function zlibDecode(codec: CodecName, limits: DecompressLimits, run: () => Uint8Array): Uint8Array {
  try {
    return run();
  } catch (error) {
    // maxOutputLength is rawSize: more output than the frame declares is a bomb (or a lie), and zlib
    // stopped before producing it. A zstd window above windowLogMax is the same thing seen earlier,
    // from the frame header (zstd windows cover the whole content of a one-shot frame).
    const code = errorCode(error);
    if (code === 'ERR_BUFFER_TOO_LARGE' || code === 'ZSTD_error_frameParameter_windowTooLarge') {
      const message = `${codec} payload inflates past its declared ${limits.rawSize} bytes (limit ${limits.maxBytes})`;
      throw new FrameDecodeError('too_large', message, { cause: error });
    }
    throw new FrameDecodeError('corrupt', `${codec} payload is corrupt: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Both native decoders allocate exactly what the header declares (lz4_flex even returns a SHORTER
 * buffer if the block ends early), so the header must be within the cap and agree with rawSize before
 * they run.
 */
function checkDeclaredSize(codec: CodecName, declared: number, rawSize: number, maxBytes: number): void {
  if (declared > maxBytes || declared > rawSize) {
    throw new FrameDecodeError('too_large', `${codec} header declares ${declared} bytes (frame rawSize ${rawSize}, limit ${maxBytes})`);
  }
  if (declared < rawSize) {
    throw new FrameDecodeError('size_mismatch', `${codec} header declares ${declared} bytes, frame declares ${rawSize}`);
  }
}

function nativeDecode(codec: CodecName, run: () => string | Uint8Array): Uint8Array {
  let output: string | Uint8Array;
  try {
    output = run();
  } catch (error) {
    throw new FrameDecodeError('corrupt', `${codec} payload is corrupt: ${errorMessage(error)}`, { cause: error });
  }
  if (typeof output === 'string') throw new FrameDecodeError('corrupt', `${codec} decoder returned text, not bytes`);
  return output;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
