import { Wire } from './wire-writer';
import { isWellFormedUtf8, readUtf8 } from './utf8';

/**
 * Thrown when input leaves what a fast path handles (anything but the canonical encoding our own
 * producers write: unknown fields, repeated message fields, groups, non-finite numbers…). It is not a
 * verdict on the input: callers then decode with protobuf-es, whose result (or error) is the reference.
 */
export class OffFastPath extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'OffFastPath';
  }
}

/** A strict cursor over Protobuf bytes: every read is bounds-checked against the current message end. */
export class WireReader {
  pos: number;
  private readonly view: DataView;
  /** The last varint read, as two 32-bit halves. */
  private lo = 0;
  private hi = 0;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    public end = buf.length,
  ) {
    this.pos = pos;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** The next tag as `field << 3 | wire`. */
  tag(): number {
    this.varint();
    if (this.hi !== 0 || this.lo >>> 3 === 0) throw new OffFastPath('invalid tag');
    return this.lo;
  }

  uint32(): number {
    this.varint();
    return this.lo;
  }

  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  int64(): bigint {
    this.varint();
    if (this.hi === 0) return BigInt(this.lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  bool(): boolean {
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new OffFastPath('truncated double');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Reads a length prefix; returns where the length-delimited value ends. */
  delimitedEnd(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw new OffFastPath('length past the end');
    return end;
  }

  string(): string {
    const end = this.delimitedEnd();
    let text: string;
    try {
      text = readUtf8(this.buf, this.pos, end);
    } catch {
      throw new OffFastPath('invalid UTF-8');
    }
    this.pos = end;
    return text;
  }

  /** Checks a string without building it. */
  skipString(): void {
    const end = this.delimitedEnd();
    if (!isWellFormedUtf8(this.buf, this.pos, end)) throw new OffFastPath('invalid UTF-8');
    this.pos = end;
  }

  /** Throws unless the field has the wire type the schema gives it. */
  expect(tag: number, wire: Wire): void {
    if ((tag & 7) !== wire) throw new OffFastPath(`field ${tag >>> 3} with wire type ${tag & 7}`);
  }

  private varint(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new OffFastPath('truncated varint');
      byte = (buf[pos++] ?? 0);
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, 0);
    }
    if (pos >= end) throw new OffFastPath('truncated varint');
    byte = (buf[pos++] ?? 0);
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x70) >> 4;
    if (byte < 0x80) return this.setVarint(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) throw new OffFastPath('truncated varint');
      byte = (buf[pos++] ?? 0);
      // The 10th byte holds only the top bit; anything more is malformed (left to protobuf-es to judge).
      if (shift === 31 && byte > 1) throw new OffFastPath('varint over 64 bits');
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    throw new OffFastPath('varint over 10 bytes');
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }
}
