// Decode failures. Browser-safe.

/**
 * Why a frame payload was refused:
 * - `too_large`: it would decompress to more than allowed — more than the decoder's hard cap
 *   `maxBytes`, or more than the frame's own `rawSize` (an honest frame never exceeds it, so one that
 *   does is treated as a bomb). Refused before the oversized output is produced.
 * - `size_mismatch`: it decompresses (or its codec header declares) fewer bytes than `rawSize`.
 * - `corrupt`: the codec could not decode it, or `rawSize` itself is not a valid size.
 * - `checksum_mismatch`: decoded, but the CRC32C differs (or is missing when required).
 * - `unknown_codec`: the codec is not one this library knows.
 */
export type FrameDecodeErrorKind = 'too_large' | 'corrupt' | 'checksum_mismatch' | 'size_mismatch' | 'unknown_codec';

/** The only error decoding untrusted frame payloads throws: never garbage output, never a raw codec error. */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';

  constructor(
    readonly kind: FrameDecodeErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
