import { Codec, PayloadEncoding } from '@deltastream/contracts';
import { decodeFramePayload, fromProtoCodec } from '@deltastream/compression';
import { decodeRecords, encodeRecords, recordsFromJson, type JsonRecord } from '@deltastream/delta-codec';
import { LibraryFrameCompressor } from './library-frame-compressor';
import type { CompressedPayload } from './frame-compressor.port';
import { webhookPayloads } from './fixtures/webhook-payloads';

const sensorLike = (count: number): JsonRecord[] => Array.from({ length: count }, (_, i) => ({ id: `s-${i % 10}`, t: 1_700_000_000_000 + i * 1000, temp: 20 + (i % 7) / 10, status: 'ok' }));

function recordsOf(result: CompressedPayload): JsonRecord[] {
  const raw = decodeFramePayload({ codec: fromProtoCodec(result.codec), payload: result.payload, rawSize: result.rawSize, checksum: result.crc32c }, { maxBytes: 1 << 24 });
  return result.encoding === PayloadEncoding.JSON ? recordsFromJson(raw) : decodeRecords(raw);
}

describe('LibraryFrameCompressor', () => {
  const zstd = new LibraryFrameCompressor(new Map([['s', { codec: 'zstd' as const }]]));

  it('sends the JSON form of a delta payload when it compresses smaller, and it decodes to the same records', () => {
    const records = webhookPayloads(5);
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.JSON);
    expect(result.codec).toBe(Codec.ZSTD);
    expect(recordsOf(result)).toEqual(records);
  });

  it('keeps the delta form where it is smaller', () => {
    const records = sensorLike(200);
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.DELTA_V1);
    expect(recordsOf(result)).toEqual(records);
  });

  it('keeps the delta form when JSON cannot carry the records exactly (-0)', () => {
    const records = webhookPayloads(5).map((r, i) => (i === 3 ? { ...r, z: -0 } : r));
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.DELTA_V1);
    expect(Object.is(recordsOf(result)[3]?.['z'], -0)).toBe(true);
  });

  it('passes a payload that is not a delta payload through in its own encoding', () => {
    const garbage = new TextEncoder().encode('x'.repeat(4000));
    expect(zstd.compress('s', garbage, PayloadEncoding.DELTA_V1).encoding).toBe(PayloadEncoding.DELTA_V1);
    const json = new TextEncoder().encode(JSON.stringify(sensorLike(100)));
    expect(zstd.compress('s', json, PayloadEncoding.JSON).encoding).toBe(PayloadEncoding.JSON);
  });
});
