/** Thrown by `decodeRecords` for input that is not a frame it can read: truncated, corrupt or of an unknown version. */
export class DeltaDecodeError extends Error {
  override readonly name = 'DeltaDecodeError';
}
