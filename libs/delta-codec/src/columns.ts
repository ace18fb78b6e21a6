import { DeltaDecodeError } from './errors';
import { readGeneric, stringAt, writeGeneric } from './generic';
import { decodeIntColumn, encodeIntColumn } from './int-column';
import { decodeIntStream, encodeIntStream } from './int-stream';
import { IsoTimestamps, MAX_DATE_MILLIS } from './iso-timestamps';
import { KIND_BOOLEAN, KIND_COUNT, KIND_NESTED, KIND_NULL, KIND_NUMBER, KIND_STRING, kindOf } from './json';
import { decodeNumbers, encodeNumbers } from './numbers';
import type { ByteReader } from './reader';
import type { StringTable } from './strings';
import type { JsonValue } from './types';
import type { ByteWriter } from './writer';

// One column holds the values of one field, for the records that have it, in grouped record order.
//   u8  kinds mask: bit k set when some value is of kind k (null, boolean, number, string, nested)
//   int stream of per-value kinds — only when the mask has more than one bit
//   one sub-column per kind present, in kind order, holding that kind's values:
//     null     nothing
//     boolean  int column of 0/1 (bit-packed when raw order wins)
//     number   decimal scale per entity run, scaled integers, float64 fallback (numbers.ts)
//     string   u8 0, int column of string-table indices     |  u8 1, int column of epoch ms (ISO-8601)
//     nested   generic encoding per value
// Entity runs for the int columns follow from the group of each value, which the decoder rebuilds from
// the record layout, so they cost nothing here.

const STRING_INDEX = 0;
const ISO_TIMESTAMP = 1;

/** `groups[i]`: entity group of the record `values[i]` comes from (non-decreasing). */
export function encodeColumn(
  writer: ByteWriter,
  strings: StringTable,
  values: readonly JsonValue[],
  groups: readonly number[],
): void {
  const kinds = values.map(kindOf);
  let mask = 0;
  for (const kind of kinds) mask |= 1 << kind;
  writer.u8(mask);
  if (!hasOneBit(mask)) encodeIntStream(writer, kinds);
  for (let kind = 0; kind < KIND_COUNT; kind++) {
    if ((mask & (1 << kind)) === 0) continue;
    if (hasOneBit(mask)) {
      encodeSubColumn(writer, strings, kind, values, runLengths(groups));
      continue;
    }
    const ofKind: JsonValue[] = [];
    const ofKindGroups: number[] = [];
    kinds.forEach((k, i) => {
      if (k !== kind) return;
      ofKind.push(values[i] ?? null);
      ofKindGroups.push(groups[i] ?? 0);
    });
    encodeSubColumn(writer, strings, kind, ofKind, runLengths(ofKindGroups));
  }
}

/** `groups` as for encodeColumn; its length is the number of values. */
export function decodeColumn(reader: ByteReader, strings: readonly string[], groups: Int32Array): JsonValue[] {
  const mask = reader.u8();
  if (mask === 0 || mask >= 1 << KIND_COUNT) throw new DeltaDecodeError(`invalid column kinds mask ${mask}`);
  if (hasOneBit(mask)) return decodeSubColumn(reader, strings, 31 - Math.clz32(mask), runLengths(groups), groups.length);

  const kinds = decodeIntStream(reader, groups.length);
  const runs: number[][] = [];
  const lastGroup: number[] = [];
  const counts = new Array<number>(KIND_COUNT).fill(0);
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i] ?? 0;
    if (!(kind >= 0 && kind < KIND_COUNT && (mask & (1 << kind)) !== 0)) {
      throw new DeltaDecodeError(`invalid value kind ${kind}`);
    }
    const group = groups[i] ?? 0;
    const kindRuns = (runs[kind] ??= []);
    if (lastGroup[kind] === group) kindRuns[kindRuns.length - 1] = (kindRuns[kindRuns.length - 1] ?? 0) + 1;
    else kindRuns.push(1);
    lastGroup[kind] = group;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  const byKind: JsonValue[][] = [];
  for (let kind = 0; kind < KIND_COUNT; kind++) {
    if ((mask & (1 << kind)) === 0) continue;
    // A kind in the mask that no value has would be a corrupt frame; it decodes as an empty sub-column.
    byKind[kind] = decodeSubColumn(reader, strings, kind, runs[kind] ?? [], counts[kind] ?? 0);
  }
  const cursors = new Int32Array(KIND_COUNT);
  const out = new Array<JsonValue>(kinds.length);
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i] ?? 0;
    const at = cursors[kind] ?? 0;
    cursors[kind] = at + 1;
    out[i] = byKind[kind]?.[at] ?? null;
  }
  return out;
}

function encodeSubColumn(
  writer: ByteWriter,
  strings: StringTable,
  kind: number,
  values: readonly JsonValue[],
  runs: readonly number[],
): void {
  // The casts hold: every value of a sub-column is of its kind.
  switch (kind) {
    case KIND_BOOLEAN:
      return encodeIntColumn(writer, values.map((v) => (v === true ? 1 : 0)), runs);
    case KIND_NUMBER:
      return encodeNumbers(writer, values as readonly number[], runs);
    case KIND_STRING:
      return encodeStrings(writer, strings, values as readonly string[], runs);
    case KIND_NESTED:
      for (const value of values) writeGeneric(writer, strings, value);
      return;
  }
}

function decodeSubColumn(
  reader: ByteReader,
  strings: readonly string[],
  kind: number,
  runs: readonly number[],
  count: number,
): JsonValue[] {
  const out = new Array<JsonValue>(count);
  switch (kind) {
    case KIND_NULL:
      return out.fill(null);
    case KIND_BOOLEAN: {
      const bits = decodeIntColumn(reader, runs, count);
      for (let i = 0; i < count; i++) out[i] = bits[i] !== 0;
      return out;
    }
    case KIND_NUMBER:
      return decodeNumbers(reader, runs, out);
    case KIND_STRING:
      return decodeStrings(reader, strings, runs, out);
    default:
      for (let i = 0; i < count; i++) out[i] = readGeneric(reader, strings);
      return out;
  }
}

/** Epoch milliseconds when every value is an exact ISO-8601 timestamp, string-table indices otherwise. */
function encodeStrings(writer: ByteWriter, strings: StringTable, values: readonly string[], runs: readonly number[]): void {
  const timestamps = new IsoTimestamps();
  const millis: number[] = [];
  for (const value of values) {
    const ms = timestamps.parse(value);
    if (ms === undefined) break;
    millis.push(ms);
  }
  if (millis.length === values.length) {
    writer.u8(ISO_TIMESTAMP);
    encodeIntColumn(writer, millis, runs);
    return;
  }
  writer.u8(STRING_INDEX);
  encodeIntColumn(writer, values.map((value) => strings.index(value)), runs);
}

function decodeStrings(reader: ByteReader, strings: readonly string[], runs: readonly number[], out: JsonValue[]): JsonValue[] {
  const mode = reader.u8();
  if (mode !== STRING_INDEX && mode !== ISO_TIMESTAMP) throw new DeltaDecodeError(`unknown string column mode ${mode}`);
  const ints = decodeIntColumn(reader, runs, out.length);
  if (mode === STRING_INDEX) {
    for (let i = 0; i < out.length; i++) out[i] = stringAt(strings, ints[i] ?? 0);
    return out;
  }
  const timestamps = new IsoTimestamps();
  for (let i = 0; i < out.length; i++) {
    const ms = ints[i] ?? 0;
    if (!(Math.abs(ms) <= MAX_DATE_MILLIS)) throw new DeltaDecodeError(`timestamp ${ms} is out of range`);
    out[i] = timestamps.format(ms);
  }
  return out;
}

/** Lengths of the runs of equal consecutive groups. */
function runLengths(groups: ArrayLike<number>): number[] {
  const runs: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    if (i > 0 && groups[i] === groups[i - 1]) runs[runs.length - 1] = (runs[runs.length - 1] ?? 0) + 1;
    else runs.push(1);
  }
  return runs;
}

function hasOneBit(mask: number): boolean {
  return (mask & (mask - 1)) === 0;
}
