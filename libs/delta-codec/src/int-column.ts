import { DeltaDecodeError } from './errors';
import { decodeIntStream, encodeIntStream, IntStreamStats } from './int-stream';
import type { ByteReader } from './reader';
import type { ByteWriter } from './writer';

// An int column holds integers (|v| ≤ MAX_INT_MAGNITUDE) that come in runs, one run per entity, in the
// frame's grouped record order. The first value of every run is absolute within the frame (entities never
// depend on each other, nor on earlier frames), so a frame decodes alone. One order byte says how the rest
// is written, whichever is smallest for this column:
//   0  raw:                 stream(values)                        — categorical data (dictionary indices, flags)
//   1  delta:               stream(heads), stream(deltas)         — random walks (temperature, price)
//   2  delta-of-delta:      stream(heads), stream(first deltas), stream(second-order deltas)
//                                                                  — regular series (versions, timestamps)
// Heads are the runs' first values; first deltas exist for runs of two or more values.

type Order = 0 | 1 | 2;

/** `runs`: lengths (each ≥ 1) of the consecutive values that belong to one entity; they sum to values.length. */
export function encodeIntColumn(writer: ByteWriter, values: readonly number[], runs: readonly number[]): void {
  if (runs.length === values.length) {
    // Runs of one value each (one change per entity in the window, the common case at speed): orders 1
    // and 2 are the same heads stream plus empty ones, so order 0 is the smallest (a tie goes to it too).
    writer.u8(0);
    encodeIntStream(writer, values);
    return;
  }
  const best = bestOrder(values, runs);
  writer.u8(best);
  for (const stream of split(values, runs, best)) encodeIntStream(writer, stream);
}

/** The order whose streams are smallest (the lowest on a tie), sized in one pass without building them. */
function bestOrder(values: readonly number[], runs: readonly number[]): Order {
  const raw = new IntStreamStats();
  const heads = new IntStreamStats();
  const deltas = new IntStreamStats();
  const firsts = new IntStreamStats();
  const secondOrder = new IntStreamStats();
  let at = 0;
  for (const length of runs) {
    for (let k = 0; k < length; k++) {
      const value = values[at + k] ?? 0;
      raw.add(value);
      if (k === 0) {
        heads.add(value);
        continue;
      }
      const delta = value - (values[at + k - 1] ?? 0);
      deltas.add(delta);
      if (k === 1) firsts.add(delta);
      else secondOrder.add(delta - ((values[at + k - 1] ?? 0) - (values[at + k - 2] ?? 0)));
    }
    at += length;
  }
  const sizes = [1 + raw.size(), 1 + heads.size() + deltas.size(), 1 + heads.size() + firsts.size() + secondOrder.size()];
  return sizes.indexOf(Math.min(...sizes)) as Order;
}

export function decodeIntColumn(reader: ByteReader, runs: ArrayLike<number>, count: number): Float64Array {
  const order = reader.u8();
  if (order === 0) return decodeIntStream(reader, count);
  if (order > 2) throw new DeltaDecodeError(`unknown int column order ${order}`);
  let pairs = 0;
  for (let r = 0; r < runs.length; r++) if ((runs[r] ?? 0) >= 2) pairs++;
  const heads = decodeIntStream(reader, runs.length);
  const out = new Float64Array(count);
  if (order === 1) {
    const deltas = decodeIntStream(reader, count - runs.length);
    let at = 0;
    let d = 0;
    for (let r = 0; r < runs.length; r++) {
      let value = heads[r] ?? 0;
      out[at++] = value;
      for (let k = 1, length = runs[r] ?? 0; k < length; k++) {
        value += deltas[d++] ?? 0;
        out[at++] = value;
      }
    }
    return out;
  }
  const firstDeltas = decodeIntStream(reader, pairs);
  const secondOrder = decodeIntStream(reader, count - runs.length - pairs);
  let at = 0;
  let f = 0;
  let s = 0;
  for (let r = 0; r < runs.length; r++) {
    const length = runs[r] ?? 0;
    let value = heads[r] ?? 0;
    out[at++] = value;
    if (length < 2) continue;
    let delta = firstDeltas[f++] ?? 0;
    value += delta;
    out[at++] = value;
    for (let k = 2; k < length; k++) {
      delta += secondOrder[s++] ?? 0;
      value += delta;
      out[at++] = value;
    }
  }
  return out;
}

/** The streams of one order (see the table above). */
function split(values: readonly number[], runs: readonly number[], order: Order): (readonly number[])[] {
  if (order === 0) return [values];
  const heads: number[] = [];
  const firsts: number[] = [];
  const rest: number[] = [];
  let at = 0;
  for (const length of runs) {
    heads.push(values[at] ?? 0);
    for (let k = 1; k < length; k++) {
      const delta = (values[at + k] ?? 0) - (values[at + k - 1] ?? 0);
      if (order === 1) rest.push(delta);
      else if (k === 1) firsts.push(delta);
      else rest.push(delta - ((values[at + k - 1] ?? 0) - (values[at + k - 2] ?? 0)));
    }
    at += length;
  }
  return order === 1 ? [heads, rest] : [heads, firsts, rest];
}
