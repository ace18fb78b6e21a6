import { AutoCodecChooser, choiceKey, compressFrame, toProtoCodec, type CompressionPolicy, type MicrosClock } from '@deltastream/compression';
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

  constructor(
    private readonly policies: ReadonlyMap<string, StreamCompression>,
    private readonly clock?: MicrosClock,
  ) {}

  compress(stream: string, payload: Uint8Array): CompressedPayload {
    const policy = this.policies.get(stream) ?? DEFAULT_COMPRESSION;
    const result = compressFrame(payload, policy, policy.codec === 'auto' ? this.chooserFor(stream) : undefined, this.clock);
    return {
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

  private chooserFor(stream: string): AutoCodecChooser {
    let chooser = this.choosers.get(stream);
    if (!chooser) {
      chooser = new AutoCodecChooser();
      this.choosers.set(stream, chooser);
    }
    return chooser;
  }
}
