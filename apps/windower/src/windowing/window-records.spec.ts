import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventBatchSchema, ChangeEventSchema, encodeChangeEventBatch, protobufContentType } from '@deltastream/contracts';
import { decodeChanges } from './window-records';

const T0 = Date.UTC(2026, 0, 1);
const message = (value: Uint8Array): KafkaMessage => ({ key: null, value: Buffer.from(value), offset: '7', timestamp: String(T0), attributes: 0, headers: {} }) as KafkaMessage;
const event = create(ChangeEventSchema, { source: 'demo', stream: 'sensors', entityId: 'e1', version: '3', occurredAt: timestampFromMs(T0 + 1500), observedAt: timestampFromMs(T0 + 2000), record: { id: 'e1', t: 21.5 } });

describe('decodeChanges', () => {
  it('windows an event by its occurred_at and forwards its bytes as received', () => {
    const bytes = toBinary(ChangeEventSchema, event);
    const decoded = decodeChanges(message(bytes))[0];
    expect(decoded).toMatchObject({ ok: true, event: { stream: 'sensors', entityId: 'e1', version: '3', eventTimeMs: T0 + 1500, offset: '7', sizeBytes: bytes.length } });
    expect(decoded?.ok && decoded.event.payload.value).toEqual(bytes);
  });

  it('decodes what the fast reader leaves to protobuf-es (a field from a newer producer) the same way, bytes untouched', () => {
    const newer = new Uint8Array([...toBinary(ChangeEventSchema, event), 0xf8, 0x06, 0x01]); // field 111 = 1
    const decoded = decodeChanges(message(newer))[0];
    expect(decoded).toMatchObject({ ok: true, event: { stream: 'sensors', entityId: 'e1', eventTimeMs: T0 + 1500 } });
    expect(decoded?.ok && decoded.event.payload.value).toEqual(newer);
  });

  it('refuses a record whose Struct protobuf-es cannot decode, instead of forwarding it unread', () => {
    const bytes = toBinary(ChangeEventSchema, event);
    const broken = Uint8Array.from(bytes);
    const inRecord = broken.indexOf(0x65, bytes.length - 20); // the "e" of the record's id "e1"
    expect(inRecord).toBeGreaterThan(0);
    broken[inRecord] = 0xff; // not valid UTF-8
    expect(decodeChanges(message(broken))[0]).toMatchObject({ ok: false, kind: 'decode_error' });
  });
});

describe('decodeChanges of a ChangeEventBatch record', () => {
  const batchMessage = (value: Uint8Array): KafkaMessage => ({ ...message(value), headers: { 'content-type': Buffer.from(protobufContentType(ChangeEventBatchSchema.typeName)) } }) as KafkaMessage;
  const good = (entityId: string) => toBinary(ChangeEventSchema, create(ChangeEventSchema, { ...event, entityId }));

  it('gives each change with its place in the record, and refuses a bad change alone', () => {
    const noEntity = toBinary(ChangeEventSchema, create(ChangeEventSchema, { ...event, entityId: '' }));
    const decoded = decodeChanges(batchMessage(encodeChangeEventBatch([good('a'), noEntity, good('c')])));
    expect(decoded).toHaveLength(3);
    expect(decoded[0]).toMatchObject({ ok: true, event: { entityId: 'a', offset: '7', record: { index: 0, changes: 3 } } });
    expect(decoded[1]).toMatchObject({ ok: false, kind: 'invalid_event', record: { index: 1, changes: 3 }, reason: 'change 1 of 3 in the record: change event without entity_id' });
    expect(decoded[1]?.ok === false && Uint8Array.from(decoded[1].original)).toEqual(noEntity);
    expect(decoded[2]).toMatchObject({ ok: true, event: { entityId: 'c', record: { index: 2, changes: 3 } } });
    expect(decoded[2]?.ok && decoded[2].event.payload.value).toEqual(good('c'));
  });

  it('refuses a record whose batch framing is broken as a whole, and reads an empty batch as no changes', () => {
    const batch = encodeChangeEventBatch([good('a'), good('b')]);
    const truncated = batch.subarray(0, batch.length - 3);
    expect(decodeChanges(batchMessage(truncated))).toEqual([{ ok: false, kind: 'decode_error', reason: expect.stringContaining('not a deltastream.v1.ChangeEventBatch') as string, original: truncated }]);
    expect(decodeChanges(batchMessage(new Uint8Array(0)))).toEqual([]);
  });

  it('refuses a record without a value', () => {
    expect(decodeChanges({ ...message(new Uint8Array(0)), value: null } as KafkaMessage)).toMatchObject([{ ok: false, kind: 'decode_error' }]);
  });
});
