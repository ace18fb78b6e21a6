import type { Codec } from '@deltastream/contracts';

/** The compressed form of one encoded payload, decided once per frame for every consumer. */
export interface CompressedPayload {
  readonly codec: Codec;
  readonly payload: Uint8Array;
  readonly rawSize: number;
  /** CRC32C of the uncompressed payload. */
  readonly crc32c: number;
  /** A gzip copy when the primary codec is not one browsers decode natively. */
  readonly fallback?: { readonly codec: Codec; readonly payload: Uint8Array };
}

/** Port: picks a codec for a stream's payload and compresses it (libs/compression behind it). */
export interface FrameCompressor {
  compress(stream: string, payload: Uint8Array): CompressedPayload;
}
