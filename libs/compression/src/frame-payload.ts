// One codec decision per frame, compressed once for every consumer: the compressor service calls
// compressFrame, the edge and SDKs call decodeFramePayload.
import { type AutoCodecChooser } from './chooser';
import { type CodecChoice, type CodecName, normalizeChoice } from './codec';
import { compress } from './codecs';
import { decompress } from './bounded-decompress';
import { verifyChecksum } from './checksum';
import { crc32c } from './crc32c';
import { FrameDecodeError } from './errors';
import { FALLBACK_CODEC, needsFallback } from './fallback';

/** Frames below this many bytes are sent uncompressed unless the policy says otherwise. */
export const DEFAULT_MIN_BYTES = 256;

/** How a stream's frames are compressed. */
export interface CompressionPolicy {
  /** A fixed codec, or `auto` to let an AutoCodecChooser pick from measurements. */
  readonly codec: CodecName | 'auto';
  /** Level of a fixed codec (default per codec); not allowed with `auto` (candidates carry levels). */
  readonly level?: number;
  /**
   * Frames smaller than this are sent with codec none: headers and CPU outweigh any saving.
   * Default DEFAULT_MIN_BYTES.
   */
  readonly minBytes?: number;
  /**
   * Add a browser-decodable (gzip) copy when the chosen codec is not one browsers decode natively.
   * Default true: the fallback is made once per frame here rather than per browser at the edge.
   */
  readonly fallback?: boolean;
  /** gzip level of the fallback copy; default 6. */
  readonly fallbackLevel?: number;
}

/** A compressed frame payload as it goes into the Frame message. */
export interface CompressedFramePayload {
  readonly codec: CodecName;
  /** Level used, undefined for none/lz4/snappy. */
  readonly level: number | undefined;
  /** The compressed bytes; for codec none this is the input array itself (not a copy). */
  readonly payload: Uint8Array;
  readonly rawSize: number;
  /** CRC32C of the uncompressed payload. */
  readonly checksum: number;
  /** gzip copy (or the raw bytes, codec none, if gzip would not shrink them) for browsers. */
  readonly fallback?: { readonly codec: 'gzip' | 'none'; readonly payload: Uint8Array };
}

/** Monotonic clock in microseconds, used only to measure compression time for the chooser. */
export type MicrosClock = () => number;

const defaultClock: MicrosClock = () => performance.now() * 1000;

/**
 * Compresses one frame payload according to `policy`.
 *
 * - Below `minBytes`, or when the compressed form is not smaller than the input, the frame is sent
 *   with codec none.
 * - With `policy.codec === 'auto'` the `chooser` (required then) picks the codec; this function times
 *   each compression with `clock` and records it, including the occasional trial compression whose
 *   output is discarded. Frames below `minBytes` are not measured (they are not representative).
 * - For a fixed codec the chooser, if passed, is ignored.
 *
 * Throws RangeError for an invalid policy.
 */
export function compressFrame(
  payload: Uint8Array,
  policy: CompressionPolicy,
  chooser?: AutoCodecChooser,
  clock: MicrosClock = defaultClock,
): CompressedFramePayload {
  const minBytes = policy.minBytes ?? DEFAULT_MIN_BYTES;
  if (!Number.isSafeInteger(minBytes) || minBytes < 0) throw new RangeError(`minBytes must be an integer >= 0 (got ${minBytes})`);
  // Frame.raw_size is a uint32.
  if (payload.length > 0xffffffff) throw new RangeError(`frame payload of ${payload.length} bytes exceeds the 4 GiB frame limit`);
  const fixed = fixedChoice(policy);
  if (fixed === undefined && chooser === undefined) throw new RangeError('an auto compression policy needs an AutoCodecChooser');

  const rawSize = payload.length;
  const checksum = crc32c(payload);
  if (rawSize < minBytes) return { codec: 'none', level: undefined, payload, rawSize, checksum };

  const { choice, compressed } = fixed !== undefined ? compressFixed(fixed, payload) : compressAuto(chooser, clock, payload);
  if (choice.codec === 'none' || compressed.length >= rawSize) {
    return { codec: 'none', level: undefined, payload, rawSize, checksum };
  }
  const result = { codec: choice.codec, level: choice.level, payload: compressed, rawSize, checksum };
  if (policy.fallback === false || !needsFallback(choice.codec)) return result;
  const gzipped = compress(FALLBACK_CODEC, payload, policy.fallbackLevel ?? 6);
  const fallback = gzipped.length < rawSize ? { codec: FALLBACK_CODEC, payload: gzipped } : { codec: 'none' as const, payload };
  return { ...result, fallback };
}

/** The normalized fixed choice, or undefined for auto. Validates levels up front (RangeError). */
function fixedChoice(policy: CompressionPolicy): CodecChoice | undefined {
  if (policy.fallbackLevel !== undefined) normalizeChoice({ codec: FALLBACK_CODEC, level: policy.fallbackLevel });
  if (policy.codec !== 'auto') return normalizeChoice({ codec: policy.codec, level: policy.level });
  if (policy.level !== undefined) throw new RangeError('level applies to a fixed codec; auto candidates carry their own levels');
  return undefined;
}

function compressFixed(choice: CodecChoice, payload: Uint8Array): { choice: CodecChoice; compressed: Uint8Array } {
  return { choice, compressed: compress(choice.codec, payload, choice.level) };
}

/** Compresses with the chooser's primary, and its trial if any (output discarded), feeding it both timings. */
function compressAuto(chooser: AutoCodecChooser | undefined, clock: MicrosClock, payload: Uint8Array): { choice: CodecChoice; compressed: Uint8Array } {
  if (chooser === undefined) throw new RangeError('an auto compression policy needs an AutoCodecChooser');
  const plan = chooser.plan();
  // Primary first: the chooser pairs the trial with the primary measured on the same frame.
  const compressed = measured(chooser, clock, plan.primary, payload);
  if (plan.trial !== undefined) measured(chooser, clock, plan.trial, payload);
  return { choice: plan.primary, compressed };
}

function measured(chooser: AutoCodecChooser, clock: MicrosClock, choice: CodecChoice, payload: Uint8Array): Uint8Array {
  const start = clock();
  const output = compress(choice.codec, payload, choice.level);
  const micros = Math.max(0, clock() - start);
  chooser.record({ choice, rawBytes: payload.length, compressedBytes: output.length, micros });
  return output;
}

/** A frame payload as received: the fields of the Frame message decoding needs. */
export interface EncodedFramePayload {
  readonly codec: CodecName;
  readonly payload: Uint8Array;
  readonly rawSize: number;
  /** CRC32C of the uncompressed payload; the proto's uint64 (bigint) is accepted as is. */
  readonly checksum: number | bigint | undefined;
}

export interface DecodeFrameOptions {
  /** Hard cap on the decompressed size, whatever the frame declares. */
  readonly maxBytes: number;
  /** Refuse frames without a checksum (kind checksum_mismatch). Default true. */
  readonly requireChecksum?: boolean;
}

/**
 * Decompresses (bounded by `rawSize` and `maxBytes`) and verifies the CRC32C. Returns the payload or
 * throws FrameDecodeError — never unverified bytes.
 */
export function decodeFramePayload(frame: EncodedFramePayload, options: DecodeFrameOptions): Uint8Array {
  const output = decompress(frame.codec, frame.payload, { rawSize: frame.rawSize, maxBytes: options.maxBytes });
  if (frame.checksum === undefined) {
    if (options.requireChecksum ?? true) throw new FrameDecodeError('checksum_mismatch', 'frame carries no checksum');
    return output;
  }
  verifyChecksum(output, frame.checksum);
  return output;
}
