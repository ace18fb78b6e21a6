import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { ChangeEventSchema, DeadLetterSchema } from '@deltastream/contracts';
import { decodeRecord } from './proto-decode';

describe('decodeRecord', () => {
  it('decodes what was encoded', () => {
    const event = create(ChangeEventSchema, { source: 's', stream: 'sensors', entityId: 'e-1', version: '7' });
    const result = decodeRecord(ChangeEventSchema, Buffer.from(toBinary(ChangeEventSchema, event)));
    expect(result.ok && result.message.entityId).toBe('e-1');
  });

  it('reports empty and missing values with a reason instead of throwing', () => {
    for (const value of [null, undefined, Buffer.alloc(0)]) {
      const result = decodeRecord(ChangeEventSchema, value);
      expect(result).toEqual({ ok: false, reason: 'empty value where a deltastream.v1.ChangeEvent was expected' });
    }
  });

  it('never throws on arbitrary bytes (poison records become reasons)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), (bytes) => {
        const result = decodeRecord(DeadLetterSchema, bytes);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.reason).toContain('deltastream.v1.DeadLetter');
      }),
    );
  });

  it('refuses truncated records', () => {
    const bytes = toBinary(ChangeEventSchema, create(ChangeEventSchema, { entityId: 'x'.repeat(50) }));
    const result = decodeRecord(ChangeEventSchema, bytes.subarray(0, 10));
    expect(result.ok).toBe(false);
  });
});
