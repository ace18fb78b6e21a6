import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventSchema } from '@deltastream/contracts';
import { decodeChange } from './window-records';

const T0 = Date.UTC(2026, 0, 1);
const message = (value: Uint8Array): KafkaMessage => ({ key: null, value: Buffer.from(value), offset: '7', timestamp: String(T0), attributes: 0, headers: {} }) as KafkaMessage;
const event = create(ChangeEventSchema, { source: 'demo', stream: 'sensors', entityId: 'e1', version: '3', occurredAt: timestampFromMs(T0 + 1500), observedAt: timestampFromMs(T0 + 2000), record: { id: 'e1', t: 21.5 } });

describe('decodeChange', () => {
  it('windows an event by its occurred_at and forwards its bytes as received', () => {
    const bytes = toBinary(ChangeEventSchema, event);
    const decoded = decodeChange(message(bytes));
    expect(decoded).toMatchObject({ ok: true, event: { stream: 'sensors', entityId: 'e1', version: '3', eventTimeMs: T0 + 1500, offset: '7', sizeBytes: bytes.length } });
    expect(decoded.ok && decoded.event.payload.value).toEqual(bytes);
  });

  it('decodes what the fast reader leaves to protobuf-es (a field from a newer producer) the same way, bytes untouched', () => {
    const newer = new Uint8Array([...toBinary(ChangeEventSchema, event), 0xf8, 0x06, 0x01]); // field 111 = 1
    const decoded = decodeChange(message(newer));
    expect(decoded).toMatchObject({ ok: true, event: { stream: 'sensors', entityId: 'e1', eventTimeMs: T0 + 1500 } });
    expect(decoded.ok && decoded.event.payload.value).toEqual(newer);
  });

  it('refuses a record whose Struct protobuf-es cannot decode, instead of forwarding it unread', () => {
    const bytes = toBinary(ChangeEventSchema, event);
    const broken = Uint8Array.from(bytes);
    const inRecord = broken.indexOf(0x65, bytes.length - 20); // the "e" of the record's id "e1"
    expect(inRecord).toBeGreaterThan(0);
    broken[inRecord] = 0xff; // not valid UTF-8
    expect(decodeChange(message(broken))).toMatchObject({ ok: false, kind: 'decode_error' });
  });
});
