// Payload codecs: the wire enum, and the decompressors this runtime has. Browser-safe: gzip (and brotli
// where the runtime's DecompressionStream supports it) use the Compression Streams API, zstd the pure-JS
// fzstd; lz4 and snappy have no browser decoder, so the client never advertises them and the edge sends
// those frames' gzip fallback instead. On Node, node:zlib replaces them where it can (loaded by a dynamic
// import browsers never reach): several times faster than a stream per frame, and brotli on Node < 24.
// Callers may plug in more (e.g. lz4-napi in Node).
import { decompress as zstdDecompress } from 'fzstd';
import { FrameError } from './errors';

export type CodecName = 'none' | 'gzip' | 'brotli' | 'zstd' | 'lz4' | 'snappy';

/** `deltastream.v1.Codec` numbers (proto/deltastream/v1/frame.proto). */
export const CODEC_NUMBERS: Readonly<Record<CodecName, number>> = { none: 1, gzip: 2, brotli: 3, zstd: 4, lz4: 5, snappy: 6 };

const CODEC_BY_NUMBER: ReadonlyMap<number, CodecName> = new Map(Object.entries(CODEC_NUMBERS).map(([name, n]) => [n, name as CodecName]));

/** The codec of a wire number, undefined for CODEC_UNSPECIFIED and numbers from a newer schema. */
export function codecName(codec: number): CodecName | undefined {
  return CODEC_BY_NUMBER.get(codec);
}

/**
 * Inflates `payload` to exactly `rawSize` bytes (the frame's declaration, already checked against the
 * client's limit) or throws FrameError ('corrupt', 'too_large', 'size_mismatch'). May be async.
 */
export type Decompressor = (payload: Uint8Array, rawSize: number) => Uint8Array | Promise<Uint8Array>;

export type Decompressors = Readonly<Partial<Record<CodecName, Decompressor>>>;

const none: Decompressor = (payload, rawSize) => {
  if (payload.length !== rawSize) throw new FrameError('size_mismatch', `an uncompressed payload of ${payload.length} bytes declares ${rawSize}`);
  return payload;
};

/**
 * zstd via fzstd into a buffer of exactly `rawSize` bytes: fzstd allocates nothing beyond it (a frame
 * header cannot make it reserve gigabytes). It neither reports a shorter output nor complains about a
 * longer one, so exactness rests on the frame's CRC32C, which the caller verifies over those bytes.
 */
const zstd: Decompressor = (payload, rawSize) => {
  try {
    return zstdDecompress(payload, new Uint8Array(rawSize));
  } catch (error) {
    throw new FrameError('corrupt', `zstd: ${(error as Error).message}`);
  }
};

/** A Compression Streams decompressor that reads at most `rawSize` bytes and refuses anything else. */
function streamDecompressor(format: string): Decompressor {
  return async (payload, rawSize) => {
    const stream = new DecompressionStream(format as CompressionFormat);
    const writer = stream.writable.getWriter();
    // Corrupt input rejects these too; the reader below reports it, so they must not go unhandled.
    writer.write(payload as Uint8Array<ArrayBuffer>).catch(() => undefined);
    writer.close().catch(() => undefined);
    const reader = stream.readable.getReader();
    const output = new Uint8Array(rawSize);
    let length = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (length + value.length > rawSize) {
          void reader.cancel().catch(() => undefined);
          throw new FrameError('too_large', `${format} payload inflates past its declared ${rawSize} bytes`);
        }
        output.set(value, length);
        length += value.length;
      }
    } catch (error) {
      if (error instanceof FrameError) throw error;
      throw new FrameError('corrupt', `${format}: ${(error as Error).message}`);
    }
    if (length !== rawSize) throw new FrameError('size_mismatch', `${format} payload inflated to ${length} bytes, declares ${rawSize}`);
    return output;
  };
}

function supportsStreamFormat(format: string): boolean {
  if (typeof DecompressionStream !== 'function') return false;
  try {
    new DecompressionStream(format as CompressionFormat);
    return true;
  } catch {
    return false;
  }
}

/**
 * What this runtime decodes: none and zstd always; gzip wherever DecompressionStream exists (every
 * current browser, Node 18+); brotli where DecompressionStream accepts 'brotli' (Node 24, some browsers).
 */
export function runtimeDecompressors(): Decompressors {
  const decompressors: Partial<Record<CodecName, Decompressor>> = { none, zstd };
  if (supportsStreamFormat('gzip')) decompressors.gzip = streamDecompressor('gzip');
  if (supportsStreamFormat('brotli')) decompressors.brotli = streamDecompressor('brotli');
  return decompressors;
}

/** The part of node:zlib used here (the package is compiled without Node's types). */
interface NodeZlib {
  gunzipSync(input: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  brotliDecompressSync(input: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  zstdDecompressSync?(input: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}

const NODE_ZLIB = 'node:zlib';

/** A node:zlib one-shot decompressor bounded to `rawSize` (zlib refuses to produce more). */
function zlibDecompressor(name: string, inflate: (input: Uint8Array, options: { maxOutputLength: number }) => Uint8Array): Decompressor {
  return (payload, rawSize) => {
    let output: Uint8Array;
    try {
      // maxOutputLength must be ≥ 1; an empty payload declares 0 and inflates to nothing or fails below.
      output = inflate(payload, { maxOutputLength: Math.max(1, rawSize) });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new FrameError('too_large', `${name} payload inflates past its declared ${rawSize} bytes`);
      throw new FrameError('corrupt', `${name}: ${(error as Error).message}`);
    }
    if (output.length !== rawSize) throw new FrameError(output.length > rawSize ? 'too_large' : 'size_mismatch', `${name} payload inflated to ${output.length} bytes, declares ${rawSize}`);
    return output;
  };
}

/** node:zlib's decompressors on Node (gzip, brotli, and zstd where zlib has it); none elsewhere. */
export async function nodeDecompressors(): Promise<Decompressors> {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (node === undefined) return {};
  try {
    const zlib = (await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_ZLIB)) as NodeZlib;
    const decompressors: Partial<Record<CodecName, Decompressor>> = {
      gzip: zlibDecompressor('gzip', (input, options) => zlib.gunzipSync(input, options)),
      brotli: zlibDecompressor('brotli', (input, options) => zlib.brotliDecompressSync(input, options)),
    };
    const zstdSync = zlib.zstdDecompressSync;
    if (typeof zstdSync === 'function') decompressors.zstd = zlibDecompressor('zstd', (input, options) => zstdSync.call(zlib, input, options));
    return decompressors;
  } catch {
    return {};
  }
}
