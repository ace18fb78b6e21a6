// patches/kafkajs+2.2.4.patch writes a record's headers in place instead of one encoder per header. The
// bytes must be exactly what kafkajs' own construction (kept here, from its unchanged Header encoder)
// writes, and read back by kafkajs' record decoder.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { crc32c } from '@deltastream/compression';

interface KafkajsEncoder {
  writeVarInt(value: number): KafkajsEncoder;
  writeInt8(value: number): KafkajsEncoder;
  writeVarLong(value: number): KafkajsEncoder;
  writeVarIntBytes(value: Buffer | string | null): KafkajsEncoder;
  writeVarIntArray(array: KafkajsEncoder[]): KafkajsEncoder;
  buffer: Buffer;
}
type RecordInput = { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer | null; headers: Record<string, string | Buffer | (string | Buffer)[]> };
const Encoder = require('kafkajs/src/protocol/encoder') as (new (size?: number) => KafkajsEncoder) & { sizeOfVarLong(v: number): number; sizeOfVarInt(v: number): number; sizeOfVarIntBytes(v: unknown): number };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarInt(): number };
const Header = require('kafkajs/src/protocol/recordBatch/header/v0') as (header: { key: string; value: string | Buffer }) => KafkajsEncoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: RecordInput) => KafkajsEncoder;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: InstanceType<typeof Decoder>,
  context: object,
) => { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> };

/** kafkajs 2.2.4's record encoding before the patch. */
function unpatched({ offsetDelta, timestampDelta, key, value, headers }: RecordInput): Buffer {
  const list = Object.keys(headers).flatMap((k) => {
    const v = headers[k] as string | Buffer | (string | Buffer)[];
    return Array.isArray(v) ? v.map((item) => ({ key: k, value: item })) : [{ key: k, value: v }];
  });
  let headerBytes = Encoder.sizeOfVarInt(list.length);
  for (const h of list) headerBytes += Encoder.sizeOfVarInt(Buffer.byteLength(h.key)) + Buffer.byteLength(h.key) + Encoder.sizeOfVarInt(Buffer.byteLength(h.value)) + Buffer.byteLength(h.value);
  const size = 1 + Encoder.sizeOfVarLong(timestampDelta) + Encoder.sizeOfVarInt(offsetDelta) + Encoder.sizeOfVarIntBytes(key) + Encoder.sizeOfVarIntBytes(value) + headerBytes;
  return new Encoder().writeVarInt(size).writeInt8(0).writeVarLong(timestampDelta).writeVarInt(offsetDelta).writeVarIntBytes(key).writeVarIntBytes(value).writeVarIntArray(list.map(Header)).buffer;
}

const bytes = fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b));
const headerValue = fc.oneof(fc.string({ unit: 'binary' }), bytes);
const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 100_000 }),
  timestampDelta: fc.integer({ min: 0, max: 2 ** 31 }),
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.dictionary(fc.string({ unit: 'binary', maxLength: 40 }), fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 6 }),
});

describe('kafkajs record encoding (patched)', () => {
  it('is the patched encoder (patch-package applied the patch on install)', () => {
    expect(readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/record/v0'), 'utf8')).toContain('headers\n  // written in place');
  });

  it('writes the bytes kafkajs wrote before the patch, and its decoder reads them back', () => {
    fc.assert(
      fc.property(record, (input) => {
        const encoded = encodeRecord(input).buffer;
        expect(encoded).toEqual(unpatched(input));
        const decoder = new Decoder(encoded);
        decoder.readVarInt(); // the record's length
        const decoded = decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0', magicByte: 2 });
        expect(decoded.key).toEqual(input.key);
        expect(decoded.value).toEqual(input.value);
        // A header given an empty list of values is not written at all.
        const written = Object.keys(input.headers).filter((k) => !Array.isArray(input.headers[k]) || (input.headers[k] as unknown[]).length > 0);
        expect(Object.keys(decoded.headers).sort()).toEqual(written.sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe('kafkajs CRC32C (patched: slice-by-8)', () => {
  const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (buffer: Buffer) => number;

  it('gives the CRC32C check value, and the same as libs/compression (tested against the bitwise definition) on any input', () => {
    expect(kafkajsCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C'), 'utf8')).toContain('slice-by-8');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (input) => {
        expect(kafkajsCrc32c(Buffer.from(input))).toBe(crc32c(input));
      }),
      { numRuns: 500 },
    );
  });
});

describe('kafkajs record decoding (patched: per-batch offsets, headers filled in place)', () => {
  it('reads offsets, timestamps and repeated headers of every record of a batch as before', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.bigInt({ min: 0n, max: 2n ** 45n }),
        fc.array(fc.record({ offsetDelta: fc.integer({ min: 0, max: 100_000 }), timestampDelta: fc.integer({ min: 0, max: 2 ** 31 }), key: fc.option(bytes, { nil: null }), value: fc.option(bytes, { nil: null }), headers: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'traceparent'), fc.string({ maxLength: 10 })), fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 5 }) }), { minLength: 1, maxLength: 5 }),
        (firstOffset, firstTimestamp, records) => {
          const context = { firstOffset: String(firstOffset), firstTimestamp: String(firstTimestamp), magicByte: 2 };
          for (const input of records) {
            const decoder = new Decoder(encodeRecord(input).buffer);
            decoder.readVarInt();
            const decoded = decodeRecord(decoder, context) as ReturnType<typeof decodeRecord> & { offset: string; timestamp: string };
            expect(decoded.offset).toBe(String(firstOffset + BigInt(input.offsetDelta)));
            expect(decoded.timestamp).toBe(String(firstTimestamp + BigInt(input.timestampDelta)));
            const expected: [string, Buffer | Buffer[]][] = [];
            for (const [key, given] of Object.entries(input.headers)) {
              const values = (Array.isArray(given) ? given : [given]).map((v) => Buffer.from(v));
              if (values.length === 1) expected.push([key, values[0] as Buffer]);
              else if (values.length > 1) expected.push([key, values]);
            }
            expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
            expect(Object.entries(decoded.headers)).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
