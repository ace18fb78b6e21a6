import { DeltaDecodeError } from './errors';
import { decodeIntColumn, encodeIntColumn } from './int-column';
import { decodeIntStream, encodeIntStream } from './int-stream';
import { MAX_DECIMAL_SCALE } from './limits';
import type { ByteReader } from './reader';
import { decimalScale, powerOfTen, scaledInteger } from './decimals';
import type { JsonValue } from './types';
import type { ByteWriter } from './writer';

// A number sub-column picks a decimal scale per entity run, since precision is usually a property of the
// entity (BTC prices have 2 decimals, DOGE prices 5): one column-wide scale would multiply BTC's deltas
// by 1000. A run whose values are not all decimal-friendly is stored as float64 — only that run.
//   int stream  scale of each run: p in [0, 9], or FLOAT64_RUN
//   int column  value × 10^p of the decimal runs' values (one run per decimal run)
//   float64     the float64 runs' values, in order

const FLOAT64_RUN = MAX_DECIMAL_SCALE + 1;

export function encodeNumbers(writer: ByteWriter, values: readonly number[], runs: readonly number[]): void {
  const scales: number[] = [];
  const scaled: number[] = [];
  const scaledRuns: number[] = [];
  const floats: number[] = [];
  // Runs are read in place: a window of many entities has many short runs, and a copy of each cost more
  // than encoding it.
  let at = 0;
  for (const length of runs) {
    const end = at + length;
    const scale = runScale(values, at, end);
    if (scale !== FLOAT64_RUN && scaleInto(values, at, end, scale, scaled)) {
      scales.push(scale);
      scaledRuns.push(length);
    } else {
      scales.push(FLOAT64_RUN);
      for (let i = at; i < end; i++) floats.push(values[i] as number);
    }
    at = end;
  }
  encodeIntStream(writer, scales);
  encodeIntColumn(writer, scaled, scaledRuns);
  for (const value of floats) writer.float64(value);
}

export function decodeNumbers(reader: ByteReader, runs: readonly number[], out: JsonValue[]): JsonValue[] {
  const scales = decodeIntStream(reader, runs.length);
  const scaledRuns: number[] = [];
  let scaledCount = 0;
  runs.forEach((length, r) => {
    const scale = scales[r] ?? 0;
    if (!(scale >= 0 && scale <= FLOAT64_RUN)) throw new DeltaDecodeError(`invalid decimal scale ${scale}`);
    if (scale === FLOAT64_RUN) return;
    scaledRuns.push(length);
    scaledCount += length;
  });
  const scaled = decodeIntColumn(reader, scaledRuns, scaledCount);
  let at = 0;
  let s = 0;
  runs.forEach((length, r) => {
    const scale = scales[r] ?? 0;
    if (scale === FLOAT64_RUN) {
      for (let end = at + length; at < end; at++) out[at] = reader.float64();
      return;
    }
    const power = powerOfTen(scale);
    for (let end = at + length; at < end; at++) out[at] = (scaled[s++] ?? 0) / power;
  });
  return out;
}

/** The largest scale the run's values [start, end) need, or FLOAT64_RUN when one of them has none. */
function runScale(values: readonly number[], start: number, end: number): number {
  let scale = 0;
  for (let i = start; i < end; i++) {
    const needed = decimalScale(values[i] as number);
    if (needed < 0) return FLOAT64_RUN;
    if (needed > scale) scale = needed;
  }
  return scale;
}

/**
 * Appends every value of [start, end) at `scale` to `out` — or nothing, returning false, if one does not
 * come back exactly (checked, not assumed).
 */
function scaleInto(values: readonly number[], start: number, end: number, scale: number, out: number[]): boolean {
  const mark = out.length;
  for (let i = start; i < end; i++) {
    const integer = scaledInteger(values[i] as number, scale);
    if (integer === undefined) {
      out.length = mark;
      return false;
    }
    out.push(integer);
  }
  return true;
}
