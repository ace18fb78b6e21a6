import { DeltaDecodeError } from './errors';
import { decodeIntColumn, encodeIntColumn } from './int-column';
import { decodeIntStream, encodeIntStream } from './int-stream';
import type { ByteReader } from './reader';
import type { JsonRecord } from './types';
import { ByteWriter } from './writer';

// Records are stored grouped by entity (groups numbered by first appearance, records of a group in
// their original order) so each entity's values delta-encode against each other. The layout section says
// how large the groups are and how to put the records back in their original order:
//   varint     group count
//   int stream records per group
//   u8         order mode, then its data:
//     0  identity     records were already grouped (one group, or sorted by entity): nothing more
//     1  group tags   int stream: group of each record, in original order — bursty interleaving (trades)
//     2  positions    int column: original position of each grouped record — periodic interleaving
//                     (sensors: positions advance by the same stride, so delta-of-delta is all zeros)
// The encoder writes whichever of 1 and 2 is smaller.

const IDENTITY = 0;
const GROUP_TAGS = 1;
const POSITIONS = 2;

export interface Layout {
  /** Records per group, groups numbered by first appearance. */
  readonly groupSizes: number[];
  /** Original index of the record in each grouped slot. */
  readonly slots: Int32Array;
}

export function groupRecords(records: readonly JsonRecord[], entityKey: string | undefined): Layout {
  const groupOf = new Int32Array(records.length);
  const groupSizes: number[] = [];
  const groupIds = new Map<string, number>();
  records.forEach((record, index) => {
    const key = entityKey === undefined ? '' : groupKey(record, entityKey);
    let group = groupIds.get(key);
    if (group === undefined) {
      group = groupSizes.length;
      groupIds.set(key, group);
      groupSizes.push(0);
    }
    groupOf[index] = group;
    groupSizes[group] = (groupSizes[group] ?? 0) + 1;
  });
  const next = groupStarts(groupSizes);
  const slots = new Int32Array(records.length);
  groupOf.forEach((group, index) => {
    const slot = next[group] ?? 0;
    next[group] = slot + 1;
    slots[slot] = index;
  });
  return { groupSizes, slots };
}

export function encodeLayout(writer: ByteWriter, layout: Layout): void {
  const { groupSizes, slots } = layout;
  writer.varint(groupSizes.length);
  encodeIntStream(writer, groupSizes);
  if (slots.every((index, slot) => index === slot)) {
    writer.u8(IDENTITY);
    return;
  }
  const groupOf = new Array<number>(slots.length);
  let slot = 0;
  groupSizes.forEach((size, group) => {
    for (let end = slot + size; slot < end; slot++) groupOf[slots[slot] ?? 0] = group;
  });
  const tags = new ByteWriter();
  tags.u8(GROUP_TAGS);
  encodeIntStream(tags, groupOf);
  const positions = new ByteWriter();
  positions.u8(POSITIONS);
  encodeIntColumn(positions, Array.from(slots), groupSizes);
  writer.bytes((tags.length <= positions.length ? tags : positions).finish());
}

/** Reads the layout of `recordCount` records, validating that it describes a permutation of them. */
export function decodeLayout(reader: ByteReader, recordCount: number): Layout {
  const groupCount = reader.varint();
  if (recordCount === 0 ? groupCount !== 0 : groupCount < 1 || groupCount > recordCount) {
    throw new DeltaDecodeError(`invalid group count ${groupCount}`);
  }
  const sizes = decodeIntStream(reader, groupCount);
  let total = 0;
  for (const size of sizes) {
    if (!(size >= 1 && size <= recordCount)) throw new DeltaDecodeError(`invalid group size ${size}`);
    total += size;
  }
  if (total !== recordCount) throw new DeltaDecodeError('group sizes do not add up to the record count');
  const groupSizes = Array.from(sizes);
  const mode = reader.u8();
  const slots = new Int32Array(recordCount);
  if (mode === IDENTITY) {
    for (let slot = 0; slot < recordCount; slot++) slots[slot] = slot;
  } else if (mode === GROUP_TAGS) {
    const groupOf = decodeIntStream(reader, recordCount);
    const next = groupStarts(groupSizes);
    const ends = groupStarts(groupSizes).map((start, group) => start + (groupSizes[group] ?? 0));
    for (let index = 0; index < recordCount; index++) {
      const group = groupOf[index] ?? 0;
      const slot = next[group] ?? 0;
      if (!(group >= 0 && group < groupCount) || slot === ends[group]) {
        throw new DeltaDecodeError(`invalid group ${group} for record ${index}`);
      }
      next[group] = slot + 1;
      slots[slot] = index;
    }
  } else if (mode === POSITIONS) {
    const positions = decodeIntColumn(reader, groupSizes, recordCount);
    const seen = new Uint8Array(recordCount);
    for (let slot = 0; slot < recordCount; slot++) {
      const index = positions[slot] ?? 0;
      if (!(index >= 0 && index < recordCount) || seen[index] === 1) {
        throw new DeltaDecodeError(`invalid record position ${index}`);
      }
      seen[index] = 1;
      slots[slot] = index;
    }
  } else {
    throw new DeltaDecodeError(`unknown order mode ${mode}`);
  }
  return { groupSizes, slots };
}

/** Grouping key of a record: its entity field, tagged by type. Collisions would only cost compression. */
function groupKey(record: JsonRecord, entityKey: string): string {
  // hasOwn, not `in` or a plain read: record['__proto__'] would find Object.prototype.
  if (!Object.hasOwn(record, entityKey)) return 'missing';
  const value = record[entityKey];
  if (typeof value === 'number') return Object.is(value, -0) ? 'n-0' : `n${value}`;
  if (typeof value === 'string') return `s${value}`;
  return `j${JSON.stringify(value)}`;
}

function groupStarts(groupSizes: readonly number[]): number[] {
  const starts: number[] = [];
  let start = 0;
  for (const size of groupSizes) {
    starts.push(start);
    start += size;
  }
  return starts;
}
