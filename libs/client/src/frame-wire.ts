// Reads `deltastream.v1.Frame` (proto/deltastream/v1/frame.proto) from its Protobuf bytes. Browser-safe
// and dependency-free: a browser page should not have to ship a Protobuf runtime (and a bundler to load
// it) to read one message type. frame-wire.spec.ts checks it against the generated @bufbuild/protobuf
// code on arbitrary frames and fails if frame.proto gains, drops or retypes a field this reader knows.
import { FrameError } from './errors';

/** A received frame, payload not yet decompressed. 64-bit integers are numbers (exact below 2^53). */
export interface WireFrame {
  readonly stream: string;
  /** Gap-free per stream from 1; a seq beyond 2^53 - 1 is refused as malformed. */
  readonly seq: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly eventCount: number;
  /** `deltastream.v1.PayloadEncoding`: 1 JSON, 2 delta v1. */
  readonly encoding: number;
  /** `deltastream.v1.Codec` number (see codecs.ts). */
  readonly codec: number;
  readonly rawSize: number;
  readonly payload: Uint8Array;
  /** `algorithm` 1 is CRC32C. A value beyond 32 bits can never match and is kept as an inexact number. */
  readonly checksum: { readonly algorithm: number; readonly value: number } | undefined;
  readonly producedAtMs: number | undefined;
  readonly windowId: string;
  readonly minObservedAtMs: number;
  readonly fallback: { readonly codec: number; readonly payload: Uint8Array } | undefined;
}

const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

/** Field number → wire type of every Frame field; exported for the schema drift test. */
export const FRAME_FIELDS: Readonly<Record<number, WireType>> = {
  1: WireType.Bytes, // stream
  2: WireType.Varint, // seq
  3: WireType.Varint, // window_start_ms
  4: WireType.Varint, // window_end_ms
  5: WireType.Varint, // event_count
  6: WireType.Varint, // encoding
  7: WireType.Varint, // codec
  8: WireType.Varint, // raw_size
  9: WireType.Bytes, // payload
  10: WireType.Bytes, // checksum
  11: WireType.Bytes, // produced_at
  12: WireType.Bytes, // window_id
  13: WireType.Varint, // min_observed_at_ms
  14: WireType.Bytes, // fallback
};

const TWO_32 = 4294967296;
const MAX_GROUP_DEPTH = 32;
const utf8 = new TextDecoder();

function malformed(message: string): FrameError {
  return new FrameError('malformed', `not a Frame: ${message}`);
}

/** A cursor over one message's bytes. Varints are read as two 32-bit halves (no bigint per field). */
class Reader {
  pos: number;
  lo = 0;
  hi = 0;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  private byte(): number {
    if (this.pos >= this.end) throw malformed('truncated varint');
    return this.bytes[this.pos++] ?? 0;
  }

  /** Reads a varint of up to 10 bytes into `lo` / `hi` (unsigned 32-bit halves). */
  varint(): void {
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.set(lo, 0);
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return this.set(lo, hi);
    for (let shift = 3; shift <= 31; shift += 7) {
      b = this.byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.set(lo, hi);
    }
    throw malformed('varint longer than 10 bytes');
  }

  private set(lo: number, hi: number): void {
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  uint64(): number {
    this.varint();
    return this.hi * TWO_32 + this.lo;
  }

  int64(): number {
    this.varint();
    if (this.hi < 0x80000000) return this.hi * TWO_32 + this.lo;
    // Two's complement: negate the 64-bit value, then read its magnitude.
    const lo = (~this.lo + 1) >>> 0;
    const hi = (~this.hi + (lo === 0 ? 1 : 0)) >>> 0;
    return -(hi * TWO_32 + lo);
  }

  /** uint32 / enum (int32): the low 32 bits, as protoc does for oversized varints. */
  uint32(): number {
    this.varint();
    return this.lo;
  }

  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** The bounds of a length-delimited field, advancing past it. */
  delimited(): [number, number] {
    this.varint();
    const length = this.hi === 0 ? this.lo : Infinity;
    if (length > this.end - this.pos) throw malformed('length-delimited field runs past the end');
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  /** Tag of the next field: [field number, wire type]. */
  tag(): [number, number] {
    this.varint();
    if (this.hi !== 0) throw malformed('field tag out of range');
    const field = this.lo >>> 3;
    if (field === 0) throw malformed('field number 0');
    return [field, this.lo & 7];
  }

  skip(wireType: number, field: number, depth = 0): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.Bytes:
        this.delimited();
        return;
      case WireType.Fixed32:
        this.advance(4);
        return;
      case WireType.StartGroup: {
        if (depth >= MAX_GROUP_DEPTH) throw malformed('groups nested too deeply');
        for (;;) {
          if (this.pos >= this.end) throw malformed('unterminated group');
          const [inner, type] = this.tag();
          if (type === WireType.EndGroup) {
            if (inner !== field) throw malformed('mismatched end group');
            return;
          }
          this.skip(type, inner, depth + 1);
        }
      }
      default:
        throw malformed(`unexpected wire type ${wireType}`);
    }
  }

  private advance(count: number): void {
    if (count > this.end - this.pos) throw malformed('fixed-width field runs past the end');
    this.pos += count;
  }
}

function expect(field: number, wireType: number, wanted: WireType): void {
  if (wireType !== wanted) throw malformed(`field ${field} has wire type ${wireType}, expected ${wanted}`);
}

/** Decodes Frame bytes. Throws FrameError('malformed') for anything that is not a Frame. */
export function parseFrame(bytes: Uint8Array): WireFrame {
  const r = new Reader(bytes, 0, bytes.length);
  let stream = '';
  let seq = 0;
  let windowStartMs = 0;
  let windowEndMs = 0;
  let eventCount = 0;
  let encoding = 0;
  let codec = 0;
  let rawSize = 0;
  let payload: Uint8Array = new Uint8Array(0);
  let checksum: { algorithm: number; value: number } | undefined;
  let producedAt: { seconds: number; nanos: number } | undefined;
  let windowId = '';
  let minObservedAtMs = 0;
  let fallback: { codec: number; payload: Uint8Array } | undefined;

  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    const known = FRAME_FIELDS[field];
    if (known === undefined) {
      r.skip(wireType, field);
      continue;
    }
    expect(field, wireType, known);
    switch (field) {
      case 1:
        stream = utf8.decode(slice(bytes, r.delimited()));
        break;
      case 2:
        seq = r.uint64();
        if (seq > Number.MAX_SAFE_INTEGER) throw malformed('seq beyond 2^53 - 1');
        break;
      case 3:
        windowStartMs = r.int64();
        break;
      case 4:
        windowEndMs = r.int64();
        break;
      case 5:
        eventCount = r.uint32();
        break;
      case 6:
        encoding = r.int32();
        break;
      case 7:
        codec = r.int32();
        break;
      case 8:
        rawSize = r.uint32();
        break;
      case 9:
        payload = slice(bytes, r.delimited());
        break;
      case 10:
        // Repeated occurrences of a message field merge (Protobuf semantics).
        checksum = readChecksum(bytes, r.delimited(), checksum ?? { algorithm: 0, value: 0 });
        break;
      case 11:
        producedAt = readTimestamp(bytes, r.delimited(), producedAt ?? { seconds: 0, nanos: 0 });
        break;
      case 12:
        windowId = utf8.decode(slice(bytes, r.delimited()));
        break;
      case 13:
        minObservedAtMs = r.int64();
        break;
      case 14:
        fallback = readFallback(bytes, r.delimited(), fallback ?? { codec: 0, payload: new Uint8Array(0) as Uint8Array });
        break;
    }
  }
  const producedAtMs = producedAt === undefined ? undefined : producedAt.seconds * 1000 + Math.trunc(producedAt.nanos / 1e6);
  return { stream, seq, windowStartMs, windowEndMs, eventCount, encoding, codec, rawSize, payload, checksum, producedAtMs, windowId, minObservedAtMs, fallback };
}

function slice(bytes: Uint8Array, [start, end]: [number, number]): Uint8Array {
  return bytes.subarray(start, end);
}

function readChecksum(bytes: Uint8Array, [start, end]: [number, number], into: { algorithm: number; value: number }) {
  const r = new Reader(bytes, start, end);
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expect(field, wireType, WireType.Varint);
      into.algorithm = r.int32();
    } else if (field === 2) {
      expect(field, wireType, WireType.Varint);
      into.value = r.uint64();
    } else r.skip(wireType, field);
  }
  return into;
}

function readTimestamp(bytes: Uint8Array, [start, end]: [number, number], into: { seconds: number; nanos: number }) {
  const r = new Reader(bytes, start, end);
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expect(field, wireType, WireType.Varint);
      into.seconds = r.int64();
    } else if (field === 2) {
      expect(field, wireType, WireType.Varint);
      into.nanos = r.int32();
    } else r.skip(wireType, field);
  }
  return into;
}

function readFallback(bytes: Uint8Array, [start, end]: [number, number], into: { codec: number; payload: Uint8Array }) {
  const r = new Reader(bytes, start, end);
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expect(field, wireType, WireType.Varint);
      into.codec = r.int32();
    } else if (field === 2) {
      expect(field, wireType, WireType.Bytes);
      into.payload = slice(bytes, r.delimited());
    } else r.skip(wireType, field);
  }
  return into;
}
