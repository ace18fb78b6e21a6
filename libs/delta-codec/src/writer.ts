import { zigzag } from './zigzag';

const CHUNK_BITS = 24;
const CHUNK = 2 ** CHUNK_BITS;

/** Growable little-endian byte buffer the encoder writes a frame into. */
export class ByteWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  private used = 0;

  get length(): number {
    return this.used;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.used++] = value;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(value: number): void {
    this.reserve(8);
    const buffer = this.buffer;
    let rest = value;
    // Arithmetic above 2^31, where bit operators would truncate to 32 bits.
    while (rest >= 0x8000_0000) {
      buffer[this.used++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    while (rest >= 0x80) {
      buffer[this.used++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[this.used++] = rest;
  }

  /** Zig-zag varint of a signed integer (|value| ≤ 2^52). */
  svarint(value: number): void {
    this.varint(zigzag(value));
  }

  float64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.used, value, true);
    this.used += 8;
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /**
   * Bit-packs `values[i] - base` in `width` bits each, least significant bit first. Every offset must lie
   * in [0, 2^width). Wide values go in 24-bit chunks so the accumulator never exceeds 31 bits.
   */
  packBits(values: readonly number[], base: number, width: number): void {
    if (width === 0) return;
    this.reserve(Math.ceil((values.length * width) / 8));
    const buffer = this.buffer;
    let at = this.used;
    let acc = 0;
    let accBits = 0;
    for (const value of values) {
      let rest = value - base;
      for (let left = width; left > 0; ) {
        const bits = left < CHUNK_BITS ? left : CHUNK_BITS;
        const part = bits === left ? rest : rest % CHUNK;
        acc |= part << accBits;
        accBits += bits;
        while (accBits >= 8) {
          buffer[at++] = acc & 0xff;
          acc >>>= 8;
          accBits -= 8;
        }
        rest = (rest - part) / CHUNK;
        left -= bits;
      }
    }
    if (accBits > 0) buffer[at++] = acc;
    this.used = at;
  }

  /** The bytes written so far (a copy, so the writer's spare capacity is not retained). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.used);
  }

  private reserve(bytes: number): void {
    const needed = this.used + bytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
