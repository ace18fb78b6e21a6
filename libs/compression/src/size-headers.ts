// The uncompressed-size headers lz4 and snappy payloads start with, read BEFORE decompressing: both
// native decoders allocate whatever the header declares, so a forged header would otherwise be an
// allocation bomb. Browser-safe.
import { FrameDecodeError } from './errors';

/**
 * lz4-napi's `compressSync` writes lz4_flex's "size prepended" block format: a 4-byte little-endian
 * uint32 uncompressed length, then one raw LZ4 block (no frame format, no checksum).
 */
export function lz4DeclaredSize(payload: Uint8Array): number {
  if (payload.length < 4) throw new FrameDecodeError('corrupt', `lz4 payload of ${payload.length} bytes has no size header`);
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
}

/** Raw (unframed) snappy starts with the uncompressed length as a little-endian base-128 varint < 2^32. */
export function snappyDeclaredSize(payload: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = payload[i];
    if (byte === undefined) break;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw new FrameDecodeError('corrupt', 'snappy payload has no valid length header');
}
