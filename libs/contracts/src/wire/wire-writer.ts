import { writeUtf8 } from './utf8';

/** Protobuf wire types used by the fast paths. */
export const enum Wire {
  Varint = 0,
  Bit64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Bit32 = 5,
}

/**
 * A Protobuf writer that reuses one buffer: `finish()` copies the bytes out and the writer starts over.
 * Nested messages reserve one length byte and move their body when it turns out longer than 127 bytes,
 * which keeps the common case (short records) to a single pass without computing sizes first.
 */
export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written since the last finish(), copied; the writer is empty afterwards. */
  finish(): Uint8Array {
    const bytes = allocate(this.pos);
    bytes.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return bytes;
  }

  /** Drops what was written (after a failed encode). */
  reset(): void {
    this.pos = 0;
  }

  tag(field: number, wire: Wire): void {
    this.uint32(((field << 3) | wire) >>> 0);
  }

  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** A varint of a signed 32-bit value (negative ones take 10 bytes, sign-extended to 64 bits). */
  int32(value: number): void {
    if (value >= 0) return this.uint32(value);
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>= 7;
    }
    this.buf[this.pos++] = 1;
  }

  /** A varint of a signed 64-bit integer (negative ones take 10 bytes, two's complement). */
  int64(value: bigint): void {
    if (value >= 0n && value <= 0xffffffffn) return this.uint32(Number(value));
    let bits = BigInt.asUintN(64, value);
    this.ensure(10);
    while (bits > 0x7fn) {
      this.buf[this.pos++] = Number(bits & 0x7fn) | 0x80;
      bits >>= 7n;
    }
    this.buf[this.pos++] = Number(bits);
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  string(text: string): void {
    const at = this.beginLength(text.length * 3);
    this.pos = writeUtf8(text, this.buf, this.pos);
    this.endLength(at);
  }

  /** Reserves one byte for a length prefix (and `expectedBytes` after it); returns where it is. */
  beginLength(expectedBytes = 0): number {
    this.ensure(1 + expectedBytes);
    return this.pos++;
  }

  /** Writes the length of everything after the reserved byte at `at`, moving it when it needs more bytes. */
  endLength(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let value = length;
    let pos = at;
    while (value > 0x7f) {
      this.buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[pos] = value;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + bytes));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

/** The encoded size of a length-delimited entry (one-byte tag) holding `bytes` bytes. */
export function entrySize(bytes: number): number {
  return 1 + varintSize(bytes) + bytes;
}

/**
 * `prefix`, then each entry as a length-delimited field with the one-byte `tag`: how a repeated message
 * field of already-encoded messages is written (the bytes protobuf-es writes for them). One allocation of
 * the exact size and one copy per entry.
 */
export function frameEntries(prefix: Uint8Array, tag: number, entries: readonly Uint8Array[]): Uint8Array {
  let size = prefix.byteLength;
  for (const entry of entries) size += entrySize(entry.byteLength);
  const out = allocate(size);
  out.set(prefix, 0);
  let pos = prefix.byteLength;
  for (const entry of entries) {
    out[pos++] = tag;
    let length = entry.byteLength;
    while (length > 0x7f) {
      out[pos++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[pos++] = length;
    out.set(entry, pos);
    pos += entry.byteLength;
  }
  return out;
}

/**
 * Room for one encoded message. On Node, small ones come from Buffer's 8 KiB pool (~0.1 µs; an
 * ArrayBuffer of their own costs ~1 µs, per change event on the ingestor's hot path); elsewhere a plain
 * Uint8Array. A Buffer is a Uint8Array.
 */
export const allocate: (size: number) => Uint8Array = typeof Buffer === 'function' ? (size) => Buffer.allocUnsafe(size) : (size) => new Uint8Array(size);
