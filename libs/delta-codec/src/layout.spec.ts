import fc from 'fast-check';
import { DeltaDecodeError } from './errors';
import { objectFrom } from './fixtures/json-arbitraries';
import { intStreamSize } from './int-stream';
import { decodeLayout, encodeLayout, groupRecords, type Layout } from './layout';
import { ByteReader } from './reader';
import type { JsonRecord } from './types';
import { varintLength } from './varint';
import { ByteWriter } from './writer';

function encode(layout: Layout): Uint8Array {
  const writer = new ByteWriter();
  encodeLayout(writer, layout);
  return writer.finish();
}

function roundTrip(records: readonly JsonRecord[], entityKey = 'e'): { layout: Layout; bytes: Uint8Array } {
  const layout = groupRecords(records, entityKey);
  const bytes = encode(layout);
  const reader = new ByteReader(bytes);
  const decoded = decodeLayout(reader, records.length);
  expect(reader.remaining).toBe(0);
  expect(decoded.groupSizes).toEqual(layout.groupSizes);
  expect(Array.from(decoded.slots)).toEqual(Array.from(layout.slots));
  return { layout, bytes };
}

/** The order-mode byte, written after the group count and the group-size stream. */
function orderMode(layout: Layout, bytes: Uint8Array): number | undefined {
  return bytes[varintLength(layout.groupSizes.length) + intStreamSize(layout.groupSizes)];
}

const byEntity = (entities: readonly (string | number | undefined)[]): JsonRecord[] =>
  entities.map((e, seq): JsonRecord => (e === undefined ? { seq } : { e, seq }));

describe('record layout', () => {
  it('groups by entity in order of first appearance, records lacking the key in a group of their own', () => {
    const { layout } = roundTrip(byEntity(['b', 'a', undefined, 'b', 1, 'a', undefined, '1']));
    expect(layout.groupSizes).toEqual([2, 2, 2, 1, 1]);
    expect(Array.from(layout.slots)).toEqual([0, 3, 1, 5, 2, 6, 4, 7]);
  });

  it('reads the entity key as an own property only, even "__proto__"', () => {
    const records = [objectFrom([['__proto__', 'x']]), {}, objectFrom([['__proto__', 'x']])];
    expect(groupRecords(records, '__proto__').groupSizes).toEqual([2, 1]);
  });

  it('puts every record in one group without an entity key', () => {
    expect(groupRecords(byEntity(['a', 'b', 'a']), undefined).groupSizes).toEqual([3]);
  });

  it('round-trips any interleaving of entities', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), { maxLength: 80 }), (entities) => {
        roundTrip(byEntity(entities));
      }),
    );
  });

  it('costs one byte of order for records already grouped', () => {
    const { layout, bytes } = roundTrip(byEntity(['a', 'a', 'b', 'b', 'b', 'c']));
    expect(orderMode(layout, bytes)).toBe(0);
    expect(bytes.length).toBe(varintLength(3) + intStreamSize(layout.groupSizes) + 1);
  });

  it('stores periodic interleaving (sensors) as positions: a few bytes for the whole window', () => {
    const entities = Array.from({ length: 250 }, (_, i) => i % 50);
    const { layout, bytes } = roundTrip(byEntity(entities));
    expect(orderMode(layout, bytes)).toBe(2);
    expect(bytes.length).toBeLessThanOrEqual(16);
  });

  it('stores bursty interleaving (trades) as a group tag per record', () => {
    const entities = Array.from({ length: 400 }, (_, i) => Math.floor((i * 7919) / 13) % 4);
    const { layout, bytes } = roundTrip(byEntity(entities));
    expect(orderMode(layout, bytes)).toBe(1);
    // 2 bits per record plus headers, where positions would need several bits per gap.
    expect(bytes.length).toBeLessThanOrEqual(100 + 10);
  });

  it('rejects layouts that are not a permutation of the records', () => {
    const writer = new ByteWriter();
    writer.varint(2); // two groups
    writer.u8(0); // sizes: width 0 …
    writer.svarint(1); // … of 1 each
    writer.u8(2); // positions
    writer.u8(0); // raw int column
    writer.u8(0); // width 0: both records claim position 0
    writer.svarint(0);
    expect(() => decodeLayout(new ByteReader(writer.finish()), 2)).toThrow(DeltaDecodeError);
    expect(() => decodeLayout(new ByteReader(Uint8Array.of(3, 0, 2, 0)), 2)).toThrow(DeltaDecodeError);
  });
});
