import { encodeColumn } from './columns';
import { encodeIntColumn } from './int-column';
import { encodeLayout, groupRecords } from './layout';
import { FORMAT_VERSION_BYTE, MAX_CELLS, MAX_RECORDS } from './limits';
import { StringTable } from './strings';
import type { EncodeOptions, JsonRecord, JsonValue } from './types';
import { ByteWriter } from './writer';

// Frame layout (all counts are varints):
//   u8   FORMAT_VERSION_BYTE
//        record count
//        string table                 (strings.ts)
//        column count, then per column the string index of its field name
//        shape count, then per shape its key count and column indices: a shape is the ordered key list of
//                                     a record, so it carries both the presence bits and the key order
//        layout                       (layout.ts): entity groups and how to restore the record order
//        int column: shape of each record, in grouped order, one run per group
//        per column, its values       (columns.ts)

interface Column {
  readonly values: JsonValue[];
  /** Entity group of each value's record. */
  readonly groups: number[];
}

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

  const columnNames: string[] = [];
  const columns: Column[] = [];
  const columnIds = new Map<string, number>();
  const shapes: number[][] = [];
  const shapeIds = new Map<string, number>();
  const recordShapes: number[] = [];
  let cells = 0;
  let slot = 0;
  // Records of a window mostly share their key list: one like the record before reuses its shape without
  // looking up each key or building the shape's key.
  let lastKeys: readonly string[] = [];
  let lastShape: readonly number[] = [];
  let lastShapeId = -1;
  layout.groupSizes.forEach((size, group) => {
    for (const end = slot + size; slot < end; slot++) {
      const record = records[layout.slots[slot] ?? 0] ?? {};
      const keys = Object.keys(record);
      cells += keys.length;
      if (cells > MAX_CELLS) throw new RangeError(`delta-codec: more than ${MAX_CELLS} fields in one frame`);
      if (lastShapeId >= 0 && sameKeys(keys, lastKeys)) {
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k] as string;
          const value = record[key];
          if (value === undefined) throw new TypeError(`delta-codec: field "${key}" is undefined, which is not JSON`);
          const column = columns[lastShape[k] as number] as Column;
          column.values.push(value);
          column.groups.push(group);
        }
        recordShapes.push(lastShapeId);
        continue;
      }
      const shape = keys.map((key) => {
        let id = columnIds.get(key);
        if (id === undefined) {
          id = columns.length;
          columnIds.set(key, id);
          columnNames.push(key);
          columns.push({ values: [], groups: [] });
        }
        const value = record[key];
        if (value === undefined) throw new TypeError(`delta-codec: field "${key}" is undefined, which is not JSON`);
        columns[id]?.values.push(value);
        columns[id]?.groups.push(group);
        return id;
      });
      const shapeKey = shape.join(',');
      let shapeId = shapeIds.get(shapeKey);
      if (shapeId === undefined) {
        shapeId = shapes.length;
        shapeIds.set(shapeKey, shapeId);
        shapes.push(shape);
      }
      recordShapes.push(shapeId);
      lastKeys = keys;
      lastShape = shape;
      lastShapeId = shapeId;
    }
  });

  // Column names enter the string table first, then values as the columns are written.
  const strings = new StringTable();
  const body = new ByteWriter();
  body.varint(columnNames.length);
  for (const name of columnNames) body.varint(strings.index(name));
  body.varint(shapes.length);
  for (const shape of shapes) {
    body.varint(shape.length);
    for (const id of shape) body.varint(id);
  }
  encodeLayout(body, layout);
  encodeIntColumn(body, recordShapes, layout.groupSizes);
  for (const column of columns) encodeColumn(body, strings, column.values, column.groups);

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
