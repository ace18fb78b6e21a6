/**
 * Where a change sits in its source partition: the offset of its record and, since one record may carry
 * several changes (a ChangeEventBatch), its index in that record. Packed into one bigint ordered like the
 * pair — offset × 2^16 + index — so the ledger and the resume rules, which only compare positions, work
 * the same for one change per record and for many.
 */
export const MAX_CHANGES_PER_RECORD = 1 << 16;

const INDEX_BITS = 16n;
const INDEX_MASK = (1n << INDEX_BITS) - 1n;

export function positionOf(offset: bigint, index: number): bigint {
  return (offset << INDEX_BITS) | BigInt(index);
}

/** The offset of the record holding `position`: where a consumer re-reads it from. */
export function recordOffsetOf(position: bigint): bigint {
  return position >> INDEX_BITS;
}

/** The first position of the record after the one holding `position`. */
export function nextRecordPosition(position: bigint): bigint {
  return (recordOffsetOf(position) + 1n) << INDEX_BITS;
}

/** "offset" for the first change of a record, "offset.index" for the others (committed state, logs). */
export function positionText(position: bigint): string {
  const index = position & INDEX_MASK;
  const offset = recordOffsetOf(position).toString();
  return index === 0n ? offset : `${offset}.${index}`;
}

const POSITION = /^(\d+)(?:\.(\d{1,5}))?$/;

/** The inverse of positionText; undefined for text that is not one. */
export function parsePositionText(text: string): bigint | undefined {
  const match = POSITION.exec(text);
  if (match === null) return undefined;
  const index = match[2] === undefined ? 0 : Number(match[2]);
  return index < MAX_CHANGES_PER_RECORD ? positionOf(BigInt(match[1] as string), index) : undefined;
}
