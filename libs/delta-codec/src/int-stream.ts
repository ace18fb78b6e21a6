import { DeltaDecodeError } from './errors';
import type { ByteReader } from './reader';
import { bitWidth, varintLength } from './varint';
import type { ByteWriter } from './writer';
import { zigzag } from './zigzag';

// An int stream is a sequence of integers whose count the decoder already knows (nothing is written for an
// empty stream). It is frame-of-reference bit-packed: one header byte (bit width, plus a flag for
// "differences"), the minimum as a zig-zag varint, then every value minus that minimum in `width` bits.
// With the flag set, the first value is written as a zig-zag varint and the rest as differences from their
// predecessor — sorted sequences (dictionary indices of entities, record positions) cost a few bits each.
// A stream of equal values has width 0 and costs two or three bytes whatever its length.

const DIFFERENCES = 0x80;
/** Widest offset a well-formed stream holds: values and their differences stay within ±2^52. */
const MAX_WIDTH = 53;

interface Plan {
  readonly differences: boolean;
  readonly bytes: number;
}

/** Bytes `encodeIntStream` would write for `values`. */
export function intStreamSize(values: readonly number[]): number {
  return bestPlan(values).bytes;
}

/**
 * What choosing a stream's encoding needs of it, gathered value by value — so an int column can size its
 * candidate splits without building every candidate's arrays. `size()` is intStreamSize of the values added.
 */
export class IntStreamStats {
  private n = 0;
  private first = 0;
  private previous = 0;
  private min = Infinity;
  private max = -Infinity;
  private minDifference = Infinity;
  private maxDifference = -Infinity;

  add(value: number): void {
    if (this.n === 0) this.first = value;
    else {
      const difference = value - this.previous;
      if (difference < this.minDifference) this.minDifference = difference;
      if (difference > this.maxDifference) this.maxDifference = difference;
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.previous = value;
    this.n++;
  }

  size(): number {
    return this.plan().bytes;
  }

  /** Plain or differences, whichever is smaller (plain on a tie), and its size. */
  plan(): Plan {
    const n = this.n;
    if (n === 0) return { differences: false, bytes: 0 };
    const plainBytes = 1 + varintLength(zigzag(this.min)) + Math.ceil((n * bitWidth(this.max - this.min)) / 8);
    if (n === 1) return { differences: false, bytes: plainBytes };
    const diffBytes = 1 + varintLength(zigzag(this.first)) + varintLength(zigzag(this.minDifference)) + Math.ceil(((n - 1) * bitWidth(this.maxDifference - this.minDifference)) / 8);
    return diffBytes < plainBytes ? { differences: true, bytes: diffBytes } : { differences: false, bytes: plainBytes };
  }
}

export function encodeIntStream(writer: ByteWriter, values: readonly number[]): void {
  if (values.length === 0) return;
  if (!bestPlan(values).differences) {
    writePacked(writer, 0, values);
    return;
  }
  const first = values[0] ?? 0;
  const differences = new Array<number>(values.length - 1);
  for (let i = 1; i < values.length; i++) differences[i - 1] = (values[i] ?? 0) - (values[i - 1] ?? 0);
  writePacked(writer, DIFFERENCES, differences, first);
}

export function decodeIntStream(reader: ByteReader, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 0) return out;
  const header = reader.u8();
  const width = header & ~DIFFERENCES;
  if (width > MAX_WIDTH) throw new DeltaDecodeError(`int stream width ${width} is out of range`);
  if ((header & DIFFERENCES) === 0) {
    reader.unpackBits(out, width, reader.svarint());
    return out;
  }
  out[0] = reader.svarint();
  if (count > 1) {
    reader.unpackBits(out.subarray(1), width, reader.svarint());
    for (let i = 1; i < count; i++) out[i] = (out[i] ?? 0) + (out[i - 1] ?? 0);
  }
  return out;
}

/** Writes a non-empty sequence frame-of-reference packed, preceded by `first` in differences mode. */
function writePacked(writer: ByteWriter, flags: number, values: readonly number[], first?: number): void {
  const { min, max } = range(values);
  const width = bitWidth(max - min);
  writer.u8(flags | width);
  if (first !== undefined) writer.svarint(first);
  writer.svarint(min);
  writer.packBits(values, min, width);
}

function bestPlan(values: readonly number[]): Plan {
  const stats = new IntStreamStats();
  for (const value of values) stats.add(value);
  return stats.plan();
}

/** Min and max of the values. */
function range(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
