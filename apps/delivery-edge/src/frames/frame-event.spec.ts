import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Codec, FrameSchema, PayloadEncoding } from '@deltastream/contracts';
import { compressFrame, toProtoCodec } from '@deltastream/compression';
import { encodeRecords } from '@deltastream/delta-codec';
import { FrameEvent } from './frame-event';

function storedFrame(codec: 'zstd' | 'gzip') {
  const records = Array.from({ length: 40 }, (_, i) => ({ id: `e${i % 7}`, value: i * 3.5, label: `reading-${i}` }));
  const compressed = compressFrame(encodeRecords(records, { entityKey: 'id' }), { codec, minBytes: 0 });
  const frame = create(FrameSchema, {
    stream: 'sensors',
    seq: 7n,
    eventCount: records.length,
    encoding: PayloadEncoding.DELTA_V1,
    codec: toProtoCodec(compressed.codec),
    rawSize: compressed.rawSize,
    payload: compressed.payload,
    checksum: { algorithm: 1, value: BigInt(compressed.checksum) },
    ...(compressed.fallback ? { fallback: { codec: toProtoCodec(compressed.fallback.codec), payload: compressed.fallback.payload } } : {}),
  });
  const stored = toBinary(FrameSchema, frame);
  return { frame: fromBinary(FrameSchema, stored), stored, records };
}

describe('FrameEvent.binary', () => {
  const zstd = storedFrame('zstd');
  const event = new FrameEvent(zstd.frame, zstd.stored, 0, 0, 0, 1 << 20);
  const fallbackPayload = zstd.frame.fallback?.payload ?? new Uint8Array();

  it('the stored zstd frame carries a gzip fallback (the case this is about)', () => {
    expect(zstd.frame.codec).toBe(Codec.ZSTD);
    expect(zstd.frame.fallback?.codec).toBe(Codec.GZIP);
  });

  it('sends a client that accepts the primary codec the primary payload alone, without the fallback copy', () => {
    const sent = fromBinary(FrameSchema, event.binary('primary'));
    expect(sent.fallback).toBeUndefined();
    expect(sent.codec).toBe(Codec.ZSTD);
    expect(sent.payload).toEqual(zstd.frame.payload);
    expect(event.binary('primary').byteLength).toBeLessThan(zstd.stored.byteLength - fallbackPayload.byteLength);
    expect({ ...sent, $unknown: undefined }).toEqual({ ...zstd.frame, fallback: undefined, $unknown: undefined });
  });

  it('sends any other client the fallback as the only payload', () => {
    const sent = fromBinary(FrameSchema, event.binary('fallback'));
    expect(sent.fallback).toBeUndefined();
    expect(sent.codec).toBe(Codec.GZIP);
    expect(sent.payload).toEqual(fallbackPayload);
    expect(sent.seq).toBe(7n);
  });

  it('encodes each copy once per frame and shares the buffer', () => {
    expect(event.binary('primary')).toBe(event.binary('primary'));
    expect(event.binary('fallback')).toBe(event.binary('fallback'));
  });

  it('forwards a frame without a fallback exactly as stored', () => {
    const gzip = storedFrame('gzip');
    const plain = new FrameEvent(gzip.frame, gzip.stored, 0, 0, 0, 1 << 20);
    expect(gzip.frame.fallback).toBeUndefined();
    expect(plain.binary('primary')).toBe(gzip.stored);
    expect(plain.binary('fallback')).toBe(gzip.stored);
  });
});

describe('FrameEvent.records', () => {
  it('decodes a frame the compressor kept in its JSON form (SSE JSON, snapshots)', () => {
    const records = [{ id: 'a', p: { url: 'https://x.example/a' } }, { id: 'b', p: { url: 'https://x.example/b' } }];
    const compressed = compressFrame(new TextEncoder().encode(JSON.stringify(records)), { codec: 'gzip', minBytes: 0 });
    const frame = create(FrameSchema, {
      stream: 'quakes',
      seq: 1n,
      eventCount: 2,
      encoding: PayloadEncoding.JSON,
      codec: toProtoCodec(compressed.codec),
      rawSize: compressed.rawSize,
      payload: compressed.payload,
      checksum: { algorithm: 1, value: BigInt(compressed.checksum) },
    });
    expect(new FrameEvent(frame, toBinary(FrameSchema, frame), 0, 0, 0, 1 << 20).records()).toEqual(records);
  });
});
