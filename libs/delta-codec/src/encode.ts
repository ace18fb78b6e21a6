import { encodeColumn } from './columns';
import { encodeIntColumn } from './int-column';
import { encodeLayout, groupRecords } from './layout';
import { FORMAT_VERSION_BYTE, MAX_CELLS, MAX_RECORDS } from './limits';
import { Shredder } from './shapes';
import { StringTable } from './strings';
import type { EncodeOptions, JsonRecord, JsonValue } from './types';
import { ByteWriter } from './writer';

// Frame layout (all counts are varints):
//   u8   FORMAT_VERSION_BYTE
//        record count
//        string table                 (strings.ts)
//        node table                   (shapes.ts): one node per field path, each with a column of values
//        shapes                       (shapes.ts): the structure of records and of the objects and arrays
//                                     in them — keys in order, nesting — so they carry presence and key order
//        layout                       (layout.ts): entity groups and how to restore the record order
//        int column: shape of each record, in grouped order, one run per group
//        per node with values, in node order, its column (columns.ts)
// The pre-v2 format (FORMAT_V1) had top-level columns only, nested values written whole; decode.ts reads both.

/**
 * Encodes a window of records into one self-contained frame. Throws TypeError for values JSON cannot
 * represent (undefined, functions, bigints, non-object records) and RangeError beyond the frame caps
 * (MAX_RECORDS records, MAX_CELLS fields, MAX_DEPTH nesting).
 */
export function encodeRecords(records: readonly JsonRecord[], options: EncodeOptions = {}): Uint8Array {
  if (records.length > MAX_RECORDS) throw new RangeError(`delta-codec: more than ${MAX_RECORDS} records in one frame`);
  for (const record of records) {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new TypeError('delta-codec: every record must be a JSON object');
    }
  }
  const layout = groupRecords(records, options.entityKey);

  const shredder = new Shredder();
  const keysOf = new Array<string[]>(records.length);
  records.forEach((record, index) => shredder.observe(record, (keysOf[index] = Object.keys(record))));
  const columns = shredder.columns;
  const recordShapes: number[] = [];
  let cells = 0;
  let slot = 0;
  // Records of a window mostly share their key list and flat records are the common case: one whose keys
  // are those of the flat record before and whose values are all scalars reuses that shape without looking
  // up each key or building the shape's key.
  let flatKeys: readonly string[] = [];
  let flatNodes: readonly number[] = [];
  let flatShapeId = -1;
  layout.groupSizes.forEach((size, group) => {
    for (const end = slot + size; slot < end; slot++) {
      const index = layout.slots[slot] ?? 0;
      const record = records[index] ?? {};
      const keys = keysOf[index] ?? [];
      cells += keys.length;
      if (cells > MAX_CELLS) throw new RangeError(`delta-codec: more than ${MAX_CELLS} fields in one frame`);
      if (flatShapeId >= 0 && sameKeys(keys, flatKeys) && allScalars(record, keys)) {
        for (let k = 0; k < keys.length; k++) {
          const column = columns[flatNodes[k] as number] as (typeof columns)[number];
          column.values.push(record[keys[k] as string] as JsonValue);
          column.groups.push(group);
        }
        recordShapes.push(flatShapeId);
        continue;
      }
      const entries: number[] = [];
      const nodes: number[] = [];
      for (const key of keys) {
        const node = shredder.keyNode(-1, key);
        nodes.push(node);
        shredder.field(entries, node, record[key], group);
      }
      const shapeId = shredder.shape(entries);
      recordShapes.push(shapeId);
      if (entries.length === keys.length) {
        flatKeys = keys;
        flatNodes = nodes;
        flatShapeId = shapeId;
      }
    }
  });

  // Field names enter the string table first, then values as the columns are written.
  const strings = new StringTable();
  const body = new ByteWriter();
  shredder.write(body, strings);
  encodeLayout(body, layout);
  encodeIntColumn(body, recordShapes, layout.groupSizes);
  for (const column of columns) if (column.values.length > 0) encodeColumn(body, strings, column.values, column.groups);

  const frame = new ByteWriter();
  frame.u8(FORMAT_VERSION_BYTE);
  frame.varint(records.length);
  strings.write(frame);
  frame.bytes(body.finish());
  return frame.finish();
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether every field is a scalar (undefined included: the slow path reports it). */
function allScalars(record: JsonRecord, keys: readonly string[]): boolean {
  for (let k = 0; k < keys.length; k++) {
    const value = record[keys[k] as string];
    if (typeof value === 'object' && value !== null) return false;
    if (value === undefined) return false;
  }
  return true;
}
