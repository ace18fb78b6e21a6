import { decodeColumn } from './columns';
import { DeltaDecodeError } from './errors';
import { stringAt } from './generic';
import { decodeIntColumn } from './int-column';
import { setField } from './json';
import { decodeLayout } from './layout';
import { FORMAT_VERSION_BYTE, MAX_CELLS, MAX_RECORDS } from './limits';
import { ByteReader } from './reader';
import { readStringTable } from './strings';
import type { JsonRecord, JsonValue } from './types';

// Runs per frame in browsers: typed arrays and index loops (for…of over typed arrays is markedly slower
// in V8 here), no per-value allocation beyond the values themselves.

const NO_KEYS = new Int32Array(0);

/**
 * Decodes one frame (layout: encode.ts) into plain records, in their original order and with their
 * original key order. Throws DeltaDecodeError for anything that is not a valid frame.
 */
export function decodeRecords(bytes: Uint8Array): JsonRecord[] {
  if (!(bytes instanceof Uint8Array)) throw new DeltaDecodeError('a frame is a Uint8Array');
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version !== FORMAT_VERSION_BYTE) throw new DeltaDecodeError(`unknown format version byte 0x${version.toString(16)}`);
  const recordCount = reader.varint();
  if (recordCount > MAX_RECORDS) throw new DeltaDecodeError(`record count ${recordCount} exceeds ${MAX_RECORDS}`);
  const strings = readStringTable(reader);
  const names = new Array<string>(reader.count(1, 'column'));
  for (let c = 0; c < names.length; c++) names[c] = stringAt(strings, reader.varint());
  const shapes = readShapes(reader, names.length);
  const { groupSizes, slots } = decodeLayout(reader, recordCount);
  const recordShapes = readRecordShapes(reader, shapes, groupSizes, recordCount);
  const columns = valueGroups(recordShapes, groupSizes, names.length).map((groups) => decodeColumn(reader, strings, groups));
  if (reader.remaining !== 0) throw new DeltaDecodeError(`${reader.remaining} bytes after the end of the frame`);
  return assemble(recordShapes, slots, names, columns);
}

/** Each shape: the column ids of a record's keys, in key order. */
function readShapes(reader: ByteReader, columnCount: number): Int32Array[] {
  const shapes = new Array<Int32Array>(reader.count(1, 'shape'));
  for (let s = 0; s < shapes.length; s++) {
    const shape = new Int32Array(reader.count(1, 'shape key'));
    for (let k = 0; k < shape.length; k++) {
      const column = reader.varint();
      if (column >= columnCount) throw new DeltaDecodeError(`column ${column} is out of range`);
      shape[k] = column;
    }
    shapes[s] = shape;
  }
  return shapes;
}

/** The shape of every record in grouped order, checking the total field count against MAX_CELLS. */
function readRecordShapes(reader: ByteReader, shapes: Int32Array[], groupSizes: number[], recordCount: number): Int32Array[] {
  const shapeIds = decodeIntColumn(reader, groupSizes, recordCount);
  const recordShapes = new Array<Int32Array>(recordCount);
  let cells = 0;
  for (let slot = 0; slot < recordCount; slot++) {
    const shape = shapes[shapeIds[slot] ?? -1];
    if (shape === undefined) throw new DeltaDecodeError(`shape ${shapeIds[slot]} is out of range`);
    cells += shape.length;
    if (cells > MAX_CELLS) throw new DeltaDecodeError(`more than ${MAX_CELLS} fields in one frame`);
    recordShapes[slot] = shape;
  }
  return recordShapes;
}

/** For each column, the entity group of each of its values: what its int columns delta-encode along. */
function valueGroups(recordShapes: Int32Array[], groupSizes: number[], columnCount: number): Int32Array[] {
  const counts = new Int32Array(columnCount);
  for (const shape of recordShapes) {
    for (let k = 0; k < shape.length; k++) {
      const column = shape[k] ?? 0;
      counts[column] = (counts[column] ?? 0) + 1;
    }
  }
  const groups = Array.from(counts, (count) => new Int32Array(count));
  counts.fill(0);
  let slot = 0;
  groupSizes.forEach((size, group) => {
    for (const end = slot + size; slot < end; slot++) {
      const shape = recordShapes[slot] ?? NO_KEYS;
      for (let k = 0; k < shape.length; k++) {
        const column = shape[k] ?? 0;
        const at = counts[column] ?? 0;
        counts[column] = at + 1;
        const columnGroups = groups[column];
        if (columnGroups) columnGroups[at] = group;
      }
    }
  });
  return groups;
}

/** Builds the records from the columns and puts them back in their original order. */
function assemble(recordShapes: Int32Array[], slots: Int32Array, names: string[], columns: JsonValue[][]): JsonRecord[] {
  const cursors = new Int32Array(names.length);
  const records = new Array<JsonRecord>(recordShapes.length);
  for (let slot = 0; slot < recordShapes.length; slot++) {
    const shape = recordShapes[slot] ?? NO_KEYS;
    const record: JsonRecord = {};
    for (let k = 0; k < shape.length; k++) {
      const column = shape[k] ?? 0;
      const at = cursors[column] ?? 0;
      cursors[column] = at + 1;
      setField(record, names[column] ?? '', columns[column]?.[at] ?? null);
    }
    records[slots[slot] ?? 0] = record;
  }
  return records;
}
