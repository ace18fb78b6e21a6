import fc from 'fast-check';
import { sensorsWindow, tradesWindow } from './fixtures/demo-streams';
import { jsonRecords } from './fixtures/json-arbitraries';
import { DeltaDecodeError, decodeRecords, encodeRecords } from './index';
import { FORMAT_V1, FORMAT_VERSION_BYTE, MAX_CELLS, MAX_NESTED_ENTRIES, MAX_RECORDS } from './limits';
import { ByteWriter } from './writer';

// The decoder reads frames from the network in browsers: whatever the bytes, it must return records or
// throw DeltaDecodeError — never hang, overflow the stack or throw anything else.

function decodesOrRejects(bytes: Uint8Array): void {
  try {
    decodeRecords(bytes);
  } catch (error) {
    if (!(error instanceof DeltaDecodeError)) throw error;
  }
}

const validFrame = fc.oneof(
  jsonRecords({ entityKey: 'id', maxLength: 12 }).map((records) => encodeRecords(records, { entityKey: 'id' })),
  fc.constant(encodeRecords(sensorsWindow({ sensors: 6, seconds: 3 }), { entityKey: 'id' })),
  fc.constant(encodeRecords(tradesWindow({ trades: 40 }), { entityKey: 'symbol' })),
);

/**
 * A minimal frame in the version-1 layout (top-level columns, which the decoder still reads) with one field
 * 'a' per record, written by hand so the tests can lie in any part of it. `column` writes that field's
 * column (see columns.ts).
 */
function handMadeFrame(recordCount: number, column: (writer: ByteWriter) => void, keysPerShape = 1): Uint8Array {
  const writer = new ByteWriter();
  writer.u8(FORMAT_V1);
  writer.varint(recordCount);
  // String table: UTF-8, one entry "a".
  writer.u8(0);
  writer.varint(1);
  writer.varint(0);
  writer.varint(1);
  writer.varint(1);
  writer.u8(0x61);
  // Columns: keysPerShape columns all named "a"; one shape listing them all.
  writer.varint(keysPerShape);
  for (let c = 0; c < keysPerShape; c++) writer.varint(0);
  writer.varint(1);
  writer.varint(keysPerShape);
  for (let c = 0; c < keysPerShape; c++) writer.varint(c);
  // Layout: one group of every record (a width-0 stream), identity order.
  writer.varint(1);
  writer.u8(0);
  writer.svarint(recordCount);
  writer.u8(0);
  // Shape of every record: raw order, width-0 stream of 0.
  writer.u8(0);
  writer.u8(0);
  writer.svarint(0);
  column(writer);
  return writer.finish();
}

describe('decodeRecords on hostile input', () => {
  it('accepts its own hand-made frames (so the cases below fail for the reason they state)', () => {
    const nulls = handMadeFrame(3, (writer) => writer.u8(1 << 0));
    expect(decodeRecords(nulls)).toEqual([{ a: null }, { a: null }, { a: null }]);
  });

  it('returns records or throws DeltaDecodeError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(undefined, FORMAT_V1, FORMAT_VERSION_BYTE), (bytes, version) => {
        if (version !== undefined && bytes.length > 0) bytes[0] = version;
        decodesOrRejects(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every truncation of a valid frame', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        // One assertion per frame, not per length: jest's toThrow costs more than the decode.
        const accepted: number[] = [];
        for (let length = 0; length < frame.length; length++) {
          try {
            decodeRecords(frame.subarray(0, length));
            accepted.push(length);
          } catch (error) {
            if (!(error instanceof DeltaDecodeError)) throw error;
          }
        }
        expect(accepted).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('survives bit flips, overwritten, inserted and deleted bytes in valid frames', () => {
    const edit = fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'set', 'insert', 'delete'));
    fc.assert(
      fc.property(validFrame, fc.array(edit, { minLength: 1, maxLength: 3 }), (frame, edits) => {
        let bytes = Uint8Array.from(frame);
        for (const [position, value, kind] of edits) {
          if (bytes.length === 0) break;
          const at = position % bytes.length;
          if (kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << (value % 8));
          else if (kind === 'set') bytes[at] = value;
          else if (kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), value, ...bytes.subarray(at)]);
          else bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
        }
        decodesOrRejects(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('rejects unknown versions, trailing bytes and non-Uint8Array input', () => {
    const frame = encodeRecords([{ a: 1 }]);
    expect(() => decodeRecords(Uint8Array.of(0xd3, ...frame.subarray(1)))).toThrow(DeltaDecodeError);
    expect(() => decodeRecords(Uint8Array.of(...frame, 0))).toThrow(DeltaDecodeError);
    expect(() => decodeRecords(new Uint8Array(0))).toThrow(DeltaDecodeError);
    expect(() => decodeRecords([...frame] as unknown as Uint8Array)).toThrow(DeltaDecodeError);
  });

  it('refuses record and field counts beyond the frame caps before allocating for them', () => {
    const nulls = (writer: ByteWriter) => writer.u8(1 << 0);
    expect(() => decodeRecords(handMadeFrame(MAX_RECORDS + 1, nulls))).toThrow(/record count/);
    const keysPerShape = Math.floor((MAX_CELLS + MAX_NESTED_ENTRIES) / MAX_RECORDS) + 1;
    expect(() => decodeRecords(handMadeFrame(MAX_RECORDS, nulls, keysPerShape))).toThrow(/values in one frame/);
  });

  it('rejects lengths that the remaining bytes cannot hold', () => {
    // A nested array claiming 2^40 items in a frame a few bytes long.
    const hugeArray = handMadeFrame(1, (writer) => {
      writer.u8(1 << 4);
      writer.u8(6);
      writer.varint(2 ** 40);
    });
    expect(() => decodeRecords(hugeArray)).toThrow(DeltaDecodeError);
  });

  it('rejects nesting deeper than 256 levels without exhausting the stack', () => {
    const deep = (levels: number) =>
      handMadeFrame(1, (writer) => {
        writer.u8(1 << 4);
        for (let i = 0; i < levels; i++) {
          writer.u8(6);
          writer.varint(1);
        }
        writer.u8(0);
      });
    const nested = JSON.parse('['.repeat(256) + 'null' + ']'.repeat(256)) as unknown;
    expect(JSON.stringify(decodeRecords(deep(256)))).toBe(JSON.stringify([{ a: nested }]));
    expect(() => decodeRecords(deep(257))).toThrow(DeltaDecodeError);
    expect(() => decodeRecords(deep(100_000))).toThrow(DeltaDecodeError);
  });

  it('rejects timestamps a Date cannot hold instead of throwing RangeError', () => {
    // Two records of one entity: 2^52 - 1 (a valid date), then a delta of 2^52 - 1 (beyond 8.64e15 ms).
    const farFuture = handMadeFrame(2, (writer) => {
      writer.u8(1 << 3); // strings
      writer.u8(1); // ISO timestamps
      writer.u8(1); // int column of heads and deltas
      for (let stream = 0; stream < 2; stream++) {
        writer.u8(0); // width 0
        writer.svarint(2 ** 52 - 1);
      }
    });
    expect(() => decodeRecords(farFuture)).toThrow(DeltaDecodeError);
  });

  it('rejects version-2 shapes that do not fit the node table, refer ahead or nest too deep', () => {
    // One record with field "a". `nodes`: [parent + 1, label << 1 | isIndex]; `shapes`: each its entry count
    // then its entries (node << 2 | tag, a container's followed by its contents' shape id); the record has
    // the last shape.
    const frame = (nodes: [number, number][], shapes: number[][], columns: number[] = []) => {
      const writer = new ByteWriter();
      writer.u8(FORMAT_VERSION_BYTE);
      writer.varint(1);
      writer.u8(0); // string table: "a"
      writer.varint(1);
      writer.varint(0);
      writer.varint(1);
      writer.varint(1);
      writer.u8(0x61);
      writer.varint(nodes.length);
      for (const [parent, label] of nodes) {
        writer.varint(parent);
        writer.varint(label);
      }
      writer.varint(shapes.length);
      for (const shape of shapes) for (const varint of shape) writer.varint(varint);
      writer.varint(1); // layout: one group of one record, identity order
      writer.u8(0);
      writer.svarint(1);
      writer.u8(0);
      writer.u8(0); // the record's shape id: raw order, width-0 stream
      writer.u8(0);
      writer.svarint(shapes.length - 1);
      for (const byte of columns) writer.u8(byte);
      return writer.finish();
    };
    const keyA: [number, number] = [0, 0];
    const item0: [number, number] = [1, 1];
    const arrayOfNull = [[1, (1 << 2) | 0], [1, (0 << 2) | 2, 0]];
    expect(decodeRecords(frame([keyA, item0], arrayOfNull, [1]))).toEqual([{ a: [null] }]);
    // Node 1 as a key inside an array, as a child of itself, missing; a bad tag; a shape referring ahead.
    expect(() => decodeRecords(frame([keyA, [1, 0]], arrayOfNull, [1]))).toThrow(/does not fit/);
    expect(() => decodeRecords(frame([keyA, [2, 1]], arrayOfNull, [1]))).toThrow(/does not precede/);
    expect(() => decodeRecords(frame([keyA], arrayOfNull, [1]))).toThrow(/out of range/);
    expect(() => decodeRecords(frame([keyA, item0], [[1, (0 << 2) | 3, 0]]))).toThrow(/tag/);
    expect(() => decodeRecords(frame([keyA, item0], [[1, (0 << 2) | 2, 0]]))).toThrow(/does not precede/);
    // The record's shape must list fields of the record, not items of "a".
    expect(() => decodeRecords(frame([keyA, item0], [[1, (1 << 2) | 0]], [1]))).toThrow(/does not fit/);
    // A chain of single-item arrays below the field: node i + 1 is index 0 of node i, shape i holds node
    // levels - i; the record is the last shape.
    const chain = (levels: number) =>
      frame(
        Array.from({ length: levels + 1 }, (_, i): [number, number] => (i === 0 ? keyA : [i, 1])),
        [[1, levels << 2], ...Array.from({ length: levels }, (_, i) => [1, ((levels - 1 - i) << 2) | 2, i])],
        [1],
      );
    expect(JSON.stringify(decodeRecords(chain(256)))).toBe(JSON.stringify([{ a: JSON.parse('['.repeat(256) + 'null' + ']'.repeat(256)) as unknown }]));
    expect(() => decodeRecords(chain(257))).toThrow(/nest deeper/);
  });

  it('refuses a few bytes of shared shapes that expand to more values than a frame may hold', () => {
    // Nodes: n0 = "a", n(i) = an array item of n(i - 1). Shape 0 is empty; shape j holds two arrays of
    // node n(levels - j + 1) with contents shape j - 1, so the record ("a": shape levels) has 2^levels arrays.
    const levels = 40;
    const writer = new ByteWriter();
    writer.u8(FORMAT_VERSION_BYTE);
    writer.varint(1);
    for (const byte of [0, 1, 0, 1, 1, 0x61]) writer.u8(byte); // string table: "a"
    writer.varint(levels + 1);
    writer.varint(0);
    writer.varint(0);
    for (let i = 1; i <= levels; i++) {
      writer.varint(i);
      writer.varint(15 * 2 + 1);
    }
    writer.varint(levels + 2);
    writer.varint(0);
    for (let j = 1; j <= levels; j++) {
      writer.varint(2);
      for (let copy = 0; copy < 2; copy++) {
        writer.varint(((levels - j + 1) << 2) | 2);
        writer.varint(j - 1);
      }
    }
    writer.varint(1);
    writer.varint((0 << 2) | 2);
    writer.varint(levels);
    writer.varint(1); // layout: one group, identity order
    writer.u8(0);
    writer.svarint(1);
    writer.u8(0);
    writer.u8(0); // the record's shape id
    writer.u8(0);
    writer.svarint(levels + 1);
    const bomb = writer.finish();
    expect(bomb.length).toBeLessThan(400);
    expect(() => decodeRecords(bomb)).toThrow(/values in one frame/);
  });
});
