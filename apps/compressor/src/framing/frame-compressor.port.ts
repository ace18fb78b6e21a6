import type { Codec, PayloadEncoding } from '@deltastream/contracts';

/** The compressed form of one encoded payload, decided once per frame for every consumer. */
export interface CompressedPayload {
  /** The form the payload is in: the batch's own, or JSON when that compressed smaller. */
  readonly encoding: PayloadEncoding;
  readonly codec: Codec;
  readonly payload: Uint8Array;
  readonly rawSize: number;
  /** CRC32C of the uncompressed payload. */
  readonly crc32c: number;
  /** A gzip copy when the primary codec is not one browsers decode natively. */
  readonly fallback?: { readonly codec: Codec; readonly payload: Uint8Array };
}

/**
 * Port: picks a codec for a stream's payload and compresses it, keeping the payload's JSON form instead
 * where that compresses smaller (libs/compression and libs/delta-codec behind it).
 */
export interface FrameCompressor {
  compress(stream: string, payload: Uint8Array, encoding: PayloadEncoding): CompressedPayload;
}
