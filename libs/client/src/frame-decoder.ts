// Frame → records: pick a payload copy this runtime decodes, inflate it within the declared size, verify
// its CRC32C, decode the records. Browser-safe. The seq/dedupe decisions happen before (positions.ts), so
// duplicates are never inflated.
import { crc32c } from '@deltastream/compression/crc32c';
import { decodeRecords, recordsFromJson, type JsonRecord } from '@deltastream/delta-codec';
import { codecName, type CodecName, type Decompressors } from './codecs';
import { FrameError } from './errors';
import type { WireFrame } from './frame-wire';

/** `deltastream.v1.PayloadEncoding`. */
export const PayloadEncoding = { json: 1, deltaV1: 2 } as const;

/** `deltastream.v1.ChecksumAlgorithm`. */
const CRC32C = 1;

export interface FrameDecodeOptions {
  readonly decompressors: Decompressors;
  /** Largest decompressed payload accepted, whatever the frame declares. */
  readonly maxFrameBytes: number;
  /** Refuse frames whose CRC32C does not match or is missing (default in the client: true). */
  readonly verifyChecksums: boolean;
}

export interface DecodedFrame {
  readonly records: JsonRecord[];
  /** The codec of the copy that was decoded. */
  readonly codec: CodecName;
  /** True when the primary payload could not be used and the fallback copy was. */
  readonly usedFallback: boolean;
}

/**
 * Decodes a frame's records. The primary payload is tried first; when its codec is not decodable here,
 * or it fails to inflate or verify, the fallback copy (same bytes, other codec) is tried. Throws the
 * first FrameError when no copy yields verified records.
 */
export async function decodeFrame(frame: WireFrame, options: FrameDecodeOptions): Promise<DecodedFrame> {
  if (frame.encoding !== PayloadEncoding.deltaV1 && frame.encoding !== PayloadEncoding.json) {
    throw new FrameError('unsupported_encoding', `payload encoding ${frame.encoding} is neither delta v1 (2) nor JSON (1)`);
  }
  if (frame.rawSize > options.maxFrameBytes) {
    throw new FrameError('too_large', `frame ${frame.stream}#${frame.seq} declares ${frame.rawSize} bytes, the limit is ${options.maxFrameBytes}`);
  }
  const copies = [{ codec: frame.codec, payload: frame.payload, usedFallback: false }];
  if (frame.fallback) copies.push({ ...frame.fallback, usedFallback: true });
  let firstError: FrameError | undefined;
  for (const copy of copies) {
    const name = codecName(copy.codec);
    const decompress = name === undefined ? undefined : options.decompressors[name];
    if (name === undefined || decompress === undefined) {
      firstError ??= new FrameError('unsupported_codec', `codec ${name ?? copy.codec} of frame ${frame.stream}#${frame.seq} is not decodable here`);
      continue;
    }
    let raw: Uint8Array;
    try {
      raw = await decompress(copy.payload, frame.rawSize);
      if (options.verifyChecksums) verify(frame, raw);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      firstError ??= error;
      continue;
    }
    // The bytes are verified: another copy would hold the same, so a decode failure is final.
    return { records: decodeRaw(frame, raw), codec: name, usedFallback: copy.usedFallback };
  }
  throw firstError ?? new FrameError('unsupported_codec', 'frame carries no payload copy');
}

function verify(frame: WireFrame, raw: Uint8Array): void {
  if (frame.checksum === undefined || frame.checksum.algorithm !== CRC32C) {
    throw new FrameError('checksum_mismatch', `frame ${frame.stream}#${frame.seq} carries no CRC32C checksum`);
  }
  const actual = crc32c(raw);
  if (actual !== frame.checksum.value) {
    throw new FrameError('checksum_mismatch', `frame ${frame.stream}#${frame.seq}: CRC32C is 0x${hex(actual)}, the frame says 0x${hex(frame.checksum.value)}`);
  }
}

const hex = (value: number) => value.toString(16).padStart(8, '0');

function decodeRaw(frame: WireFrame, raw: Uint8Array): JsonRecord[] {
  try {
    return frame.encoding === PayloadEncoding.deltaV1 ? decodeRecords(raw) : recordsFromJson(raw);
  } catch (error) {
    throw new FrameError('undecodable', `frame ${frame.stream}#${frame.seq}: ${(error as Error).message}`);
  }
}
