import { DeltaDecodeError } from './errors';
import { MAX_VARINT_BYTES } from './varint';
import { unzigzag } from './zigzag';

const CHUNK_BITS = 24;
const CHUNK = 2 ** CHUNK_BITS;

/**
 * Bounds-checked cursor over a frame. Every read checks the bytes left first and throws DeltaDecodeError
 * rather than reading past the end, so corrupt input can neither loop nor run off the buffer. (The `?? 0`
 * on typed-array reads only satisfies noUncheckedIndexedAccess: the index has been checked already.)
 */
export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  u8(): number {
    if (this.at >= this.bytes.length) throw truncated();
    return this.bytes[this.at++] ?? 0;
  }

  /** Unsigned varint; at most MAX_VARINT_BYTES long and a safe integer. */
  varint(): number {
    const bytes = this.bytes;
    let at = this.at;
    const first = bytes[at] ?? 0;
    if (at < bytes.length && first < 0x80) {
      this.at = at + 1;
      return first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (at >= bytes.length) throw truncated();
      const byte = bytes[at++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break;
        this.at = at;
        return value;
      }
      scale *= 0x80;
    }
    throw new DeltaDecodeError('varint too long');
  }

  /** Zig-zag varint. */
  svarint(): number {
    return unzigzag(this.varint());
  }

  /** A count of things that each take at least `minBytes` of the frame: rejects counts the bytes left cannot hold. */
  count(minBytes: number, what: string): number {
    const value = this.varint();
    if (value * minBytes > this.remaining) throw new DeltaDecodeError(`${what} count ${value} exceeds the frame`);
    return value;
  }

  float64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.at, true);
    this.at += 8;
    return value;
  }

  /** A view (not a copy) of the next `length` bytes. */
  take(length: number): Uint8Array {
    this.need(length);
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  /** Reads `out.length` values bit-packed `width` bits each (see ByteWriter.packBits), adding `base` to each. */
  unpackBits(out: Float64Array, width: number, base: number): void {
    const count = out.length;
    if (width === 0) {
      out.fill(base);
      return;
    }
    const byteCount = Math.ceil((count * width) / 8);
    this.need(byteCount);
    const bytes = this.bytes;
    let at = this.at;
    let acc = 0;
    let accBits = 0;
    if (width <= CHUNK_BITS) {
      // Hot path: one accumulator of at most 31 bits, no chunking.
      const mask = (1 << width) - 1;
      for (let i = 0; i < count; i++) {
        while (accBits < width) {
          acc |= (bytes[at++] ?? 0) << accBits;
          accBits += 8;
        }
        out[i] = base + (acc & mask);
        acc >>>= width;
        accBits -= width;
      }
    } else {
      for (let i = 0; i < count; i++) {
        let value = 0;
        let scale = 1;
        for (let left = width; left > 0; ) {
          const bits = left < CHUNK_BITS ? left : CHUNK_BITS;
          while (accBits < bits) {
            acc |= (bytes[at++] ?? 0) << accBits;
            accBits += 8;
          }
          value += (acc & ((1 << bits) - 1)) * scale;
          acc >>>= bits;
          accBits -= bits;
          scale *= CHUNK;
          left -= bits;
        }
        out[i] = base + value;
      }
    }
    this.at += byteCount;
  }

  private need(length: number): void {
    if (length > this.bytes.length - this.at) throw truncated();
  }
}

function truncated(): DeltaDecodeError {
  return new DeltaDecodeError('frame is truncated');
}
