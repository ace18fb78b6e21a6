// Errors of the client SDK. Browser-safe.

/** Why a received frame could not be turned into records. */
export type FrameErrorKind =
  /** Not a valid `deltastream.v1.Frame` Protobuf message. */
  | 'malformed'
  /** Neither the payload's codec nor its fallback's is one this runtime decodes. */
  | 'unsupported_codec'
  /** A payload encoding other than delta v1 or JSON. */
  | 'unsupported_encoding'
  /** The frame declares more bytes than `maxFrameBytes`, or inflates past what it declares. */
  | 'too_large'
  /** The compressed payload does not decompress. */
  | 'corrupt'
  /** The payload decompressed to fewer bytes than the frame declares. */
  | 'size_mismatch'
  /** The CRC32C of the decompressed payload is not the frame's (or the frame carries none). */
  | 'checksum_mismatch'
  /** The verified payload is not valid delta-encoded (or JSON) records. */
  | 'undecodable';

/** A frame that cannot be delivered; `kind` says why. */
export class FrameError extends Error {
  override readonly name = 'FrameError';

  constructor(
    readonly kind: FrameErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by the client's async iterator when the client stopped on a fatal error (e.g. close 4403). */
export class DeltastreamError extends Error {
  override readonly name = 'DeltastreamError';

  constructor(
    message: string,
    /** The WebSocket close code (or the SSE / HTTP equivalent), when the edge gave one. */
    readonly code?: number,
  ) {
    super(message);
  }
}
