import { decodeColumn } from './columns';
import { DeltaDecodeError } from './errors';
import { stringAt } from './generic';
import { decodeIntColumn } from './int-column';
import { decodeLayout } from './layout';
import { FORMAT_V1, FORMAT_VERSION_BYTE, MAX_RECORDS } from './limits';
import { ByteReader } from './reader';
import { Assembler, flatShapes, LEAF, MAX_ENTRIES, readNodes, readShapes, recordSize, type Shapes, topLevelNodes } from './shapes';
import { readStringTable } from './strings';
import type { JsonRecord } from './types';

// Runs per frame in browsers: typed arrays and index loops (for…of over typed arrays is markedly slower
// in V8 here), no per-value allocation beyond the values themselves.

/**
 * Decodes one frame (layout: encode.ts; either format version) into plain records, in their original order
 * and with their original key order. Throws DeltaDecodeError for anything that is not a valid frame.
 */
export function decodeRecords(bytes: Uint8Array): JsonRecord[] {
  if (!(bytes instanceof Uint8Array)) throw new DeltaDecodeError('a frame is a Uint8Array');
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version !== FORMAT_VERSION_BYTE && version !== FORMAT_V1) {
    throw new DeltaDecodeError(`unknown format version byte 0x${version.toString(16)}`);
  }
  const recordCount = reader.varint();
  if (recordCount > MAX_RECORDS) throw new DeltaDecodeError(`record count ${recordCount} exceeds ${MAX_RECORDS}`);
  const strings = readStringTable(reader);
  const nodes = version === FORMAT_V1 ? topLevelNodes(readNames(reader, strings)) : readNodes(reader, strings);
  const shapes = version === FORMAT_V1 ? readFlatShapes(reader, nodes.keys.length) : readShapes(reader, nodes);
  const { groupSizes, slots } = decodeLayout(reader, recordCount);
  const recordShapes = readRecordShapes(reader, shapes, groupSizes, recordCount);
  const groups = valueGroups(shapes, recordShapes, groupSizes, nodes.keys.length);
  const columns = groups.map((ofNode) => (ofNode.length === 0 ? [] : decodeColumn(reader, strings, ofNode)));
  if (reader.remaining !== 0) throw new DeltaDecodeError(`${reader.remaining} bytes after the end of the frame`);
  const assembler = new Assembler(shapes, nodes.keys, columns);
  const records = new Array<JsonRecord>(recordCount);
  for (let slot = 0; slot < recordCount; slot++) records[slots[slot] ?? 0] = assembler.record(recordShapes[slot] ?? 0);
  return records;
}

function readNames(reader: ByteReader, strings: readonly string[]): string[] {
  const names = new Array<string>(reader.count(1, 'column'));
  for (let c = 0; c < names.length; c++) names[c] = stringAt(strings, reader.varint());
  return names;
}

/** Version-1 shapes: the column ids of a record's keys, in key order. */
function readFlatShapes(reader: ByteReader, columnCount: number): Shapes {
  const lists = new Array<Int32Array>(reader.count(1, 'shape'));
  for (let s = 0; s < lists.length; s++) {
    const shape = new Int32Array(reader.count(1, 'shape key'));
    for (let k = 0; k < shape.length; k++) {
      const column = reader.varint();
      if (column >= columnCount) throw new DeltaDecodeError(`column ${column} is out of range`);
      shape[k] = column;
    }
    lists[s] = shape;
  }
  return flatShapes(lists);
}

/** The shape of every record in grouped order, checking the total entry count against the frame caps. */
function readRecordShapes(reader: ByteReader, shapes: Shapes, groupSizes: number[], recordCount: number): Int32Array {
  const shapeIds = decodeIntColumn(reader, groupSizes, recordCount);
  const recordShapes = new Int32Array(recordCount);
  let entries = 0;
  for (let slot = 0; slot < recordCount; slot++) {
    const shape = shapeIds[slot] ?? -1;
    entries += recordSize(shapes, shape);
    if (entries > MAX_ENTRIES) throw new DeltaDecodeError(`more than ${MAX_ENTRIES} values in one frame`);
    recordShapes[slot] = shape;
  }
  return recordShapes;
}

/** For each node, the entity group of each of its values: what its int columns delta-encode along. */
function valueGroups(shapes: Shapes, recordShapes: Int32Array, groupSizes: number[], nodeCount: number): Int32Array[] {
  const counts = new Int32Array(nodeCount);
  for (let slot = 0; slot < recordShapes.length; slot++) countLeaves(shapes, recordShapes[slot] ?? 0, counts);
  const groups = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  let slot = 0;
  groupSizes.forEach((size, group) => {
    for (const end = slot + size; slot < end; slot++) assignGroup(shapes, recordShapes[slot] ?? 0, counts, groups, group);
  });
  return groups;
}

// Two walks of the shape tree rather than one with a callback per leaf: this runs for every value of
// every frame a browser decodes.
function countLeaves(shapes: Shapes, shape: number, counts: Int32Array): void {
  const entries = shapes.entries[shape] as Int32Array;
  for (let at = 0; at < entries.length; at += 3) {
    const node = entries[at] ?? 0;
    if (entries[at + 1] === LEAF) counts[node] = (counts[node] ?? 0) + 1;
    else countLeaves(shapes, entries[at + 2] ?? 0, counts);
  }
}

function assignGroup(shapes: Shapes, shape: number, counts: Int32Array, groups: Int32Array[], group: number): void {
  const entries = shapes.entries[shape] as Int32Array;
  for (let at = 0; at < entries.length; at += 3) {
    const node = entries[at] ?? 0;
    if (entries[at + 1] !== LEAF) {
      assignGroup(shapes, entries[at + 2] ?? 0, counts, groups, group);
      continue;
    }
    const index = counts[node] ?? 0;
    counts[node] = index + 1;
    const ofNode = groups[node];
    if (ofNode) ofNode[index] = group;
  }
}
