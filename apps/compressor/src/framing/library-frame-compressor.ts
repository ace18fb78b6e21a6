import { PayloadEncoding } from '@deltastream/contracts';
import { AutoCodecChooser, choiceKey, compressFrame, compressSmallerForm, FormCheck, toProtoCodec, type CompressionPolicy, type MicrosClock } from '@deltastream/compression';
import { recordsAsJson } from '@deltastream/delta-codec';
import type { CompressedPayload, FrameCompressor } from './frame-compressor.port';

/** How one stream is compressed: the suite file's `streams[].compression`. */
export type StreamCompression = CompressionPolicy;

/** Frames smaller than this, and streams not in the suite file, are compressed with this policy. */
export const DEFAULT_COMPRESSION: StreamCompression = { codec: 'auto' };

/**
 * FrameCompressor over libs/compression. `auto` streams each get their own chooser, because the best
 * codec depends on the stream's data; choosers live as long as the process (their measurements are
 * performance hints, not state that must survive restarts).
 */
export class LibraryFrameCompressor implements FrameCompressor {
  private readonly choosers = new Map<string, AutoCodecChooser>();
  private readonly formChecks = new Map<string, FormCheck>();

  constructor(
    private readonly policies: ReadonlyMap<string, StreamCompression>,
    private readonly clock?: MicrosClock,
  ) {}

  compress(stream: string, payload: Uint8Array, encoding: PayloadEncoding): CompressedPayload {
    const policy = this.policies.get(stream) ?? DEFAULT_COMPRESSION;
    const chooser = policy.codec === 'auto' ? this.chooserFor(stream) : undefined;
    // A delta payload may compress worse than its records as plain JSON (irregular, string-heavy data):
    // then the frame carries the JSON form, which every reader decodes too.
    const result =
      encoding === PayloadEncoding.DELTA_V1
        ? compressSmallerForm({ primary: payload, alternative: () => jsonForm(payload) }, policy, this.formCheckFor(stream), chooser, this.clock)
        : { ...compressFrame(payload, policy, chooser, this.clock), form: 'primary' as const };
    return {
      encoding: result.form === 'alternative' ? PayloadEncoding.JSON : encoding,
      codec: toProtoCodec(result.codec),
      payload: result.payload,
      rawSize: result.rawSize,
      crc32c: result.checksum,
      ...(result.fallback ? { fallback: { codec: toProtoCodec(result.fallback.codec), payload: result.fallback.payload } } : {}),
    };
  }

  /** The codec each auto stream currently uses, for logs and metrics. */
  currentChoices(): Record<string, string> {
    return Object.fromEntries([...this.choosers].map(([stream, chooser]) => [stream, choiceKey(chooser.current)]));
  }

  private formCheckFor(stream: string): FormCheck {
    let check = this.formChecks.get(stream);
    if (!check) {
      check = new FormCheck();
      this.formChecks.set(stream, check);
    }
    return check;
  }

  private chooserFor(stream: string): AutoCodecChooser {
    let chooser = this.choosers.get(stream);
    if (!chooser) {
      chooser = new AutoCodecChooser();
      this.choosers.set(stream, chooser);
    }
    return chooser;
  }
}

/**
 * The JSON form of a delta payload, or undefined when there is none to offer: JSON cannot carry a -0, and a
 * payload that does not decode is the enricher's to answer for — it goes out as it came.
 */
function jsonForm(payload: Uint8Array): Uint8Array | undefined {
  try {
    return recordsAsJson(payload);
  } catch {
    return undefined;
  }
}
